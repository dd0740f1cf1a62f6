using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// What re's compiler makes of a pattern is kept for the process (bootstrap.py, RegexCache): a second plugin builds
/// the Pattern from it instead of compiling. Checked against CPython's own compiler in the second interpreter: equal
/// Patterns (flags, pattern and code), the same groups and matches; a pattern whose parse warns is never shared, so it
/// warns in every interpreter as it does without the host.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]
public sealed class RegexSharingTests(PythonRuntimeFixture fixture)
{
    // Shared by both plugins: (pattern, flags) pairs, str and bytes, with named groups, flags inline and given.
    private const string Patterns = """
        import re
        CASES = [
            (r"(?P<year>\d{4})-(?P<month>\d\d)(?:-(?P<day>\d\d))?", 0),
            (r"(?i)caf[eé]\s+(?P<what>\w+)", 0),
            (r"^\s*#.*$", re.MULTILINE),
            (r"(?x) a b  c # comment", re.IGNORECASE | re.DOTALL),
            (rb"(?P<k>[a-z]+)=(?P<v>[^;]*);?", 0),
            (rb"\xff\x00+", re.LOCALE),
            (r"[a-c&&x]?", 0),  # a possible set intersection: FutureWarning
        ]
        SAMPLES = ["2024-05-17", "Café latte", "x\n # c\ny", "ABC", b"a=1;b=2", b"\xff\x00\x00", "a&&"]
        """;

    [Fact]
    public async Task ASecondInterpreterBuildsEqualPatternsFromTheFirstsCompileAndWarningsStillComeInEach()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 1;
        foreach (var (name, extra) in new[] { ("first", (string?)null), ("second", "\"dependsOn\": [\"first\"]") })
        {
            harness.Plugin(name, """
                import logging, re, warnings
                import cases, pluginhost

                def _known(pattern, flags):
                    # Built without compiling: the host's compile with re's parser made to fail says whether it had it.
                    import re._compiler as c
                    original, sre_compile, parse, code, debug = c.compile.__self__
                    def refuse(*args):
                        raise LookupError("compiled")
                    probe = pluginhost._regex_compiler(refuse, sre_compile, refuse, refuse, debug)
                    try:
                        probe(pattern, flags)
                        return True
                    except LookupError:
                        return False

                def setup(ctx):
                    log = logging.getLogger("r")
                    # The marks the host refuses to share cover re._parser's warnings: 4 in parse, 1 in parse_template.
                    with open(re._parser.__file__, encoding="utf-8") as f:
                        log.info("warning sites %d", f.read().count("warnings.warn("))
                    original = re._compiler.compile.__self__[0]   # what the host's compile holds: CPython's own
                    for (pattern, flags), sample in zip(cases.CASES, cases.SAMPLES):
                        re.purge()
                        known = _known(pattern, flags)
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            ours = re.compile(pattern, flags)
                        theirs = original(pattern, flags)
                        same = (ours == theirs and ours.groupindex == theirs.groupindex and ours.groups == theirs.groups
                                and ours.flags == theirs.flags and ours.findall(sample) == theirs.findall(sample))
                        log.info("%r known=%s same=%s warnings=%d", pattern, known, same, len(caught))
                """, extra);
            harness.WriteFile($"{name}/cases.py", Patterns);
        }

        await harness.StartAsync();

        foreach (var plugin in new[] { "first", "second" })
            Assert.True(harness.Status(plugin).State == PluginState.Running, harness.Status(plugin).Error);
        var first = harness.PluginMessages("first").Where(m => m.StartsWith("[r]")).ToList();
        var second = harness.PluginMessages("second").Where(m => m.StartsWith("[r]")).ToList();
        Assert.Contains("[r] warning sites 5", first);
        first.Remove("[r] warning sites 5");
        second.Remove("[r] warning sites 5");
        Assert.Equal(7, first.Count);
        Assert.Equal(7, second.Count);
        // The first interpreter compiled each pattern itself; the second found all but the warning one kept.
        Assert.All(first, m => Assert.Contains("known=False same=True", m));
        Assert.All(second.Take(6), m => Assert.Contains("known=True same=True warnings=0", m));
        Assert.Contains("known=False same=True warnings=1", first[6]);
        Assert.Contains("known=False same=True warnings=1", second[6]);
    }
}
