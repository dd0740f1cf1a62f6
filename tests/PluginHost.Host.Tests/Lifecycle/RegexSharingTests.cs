using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// What re's compiler makes of the patterns the standard library compiles at import is kept for the process
/// (bootstrap.py, RegexCache): later interpreters build those Patterns instead of compiling them. Checked against
/// CPython's own compiler in each interpreter (equal Patterns: flags, pattern and code; same groups and matches), and
/// against a plugin that tries to put what its own altered re makes in front of the next plugin.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]
public sealed class RegexSharingTests(PythonRuntimeFixture fixture)
{
    private const string Source = """
        import json, logging, re, sys, warnings
        import pluginhost

        log = logging.getLogger("r")
        STDLIB = [
            (logging.StrFormatStyle.fmt_spec.pattern, re.I, "<10.3F"),
            (json.decoder.WHITESPACE.pattern, json.decoder.FLAGS, " \t\n"),
            (json.scanner.NUMBER_RE.pattern, re.VERBOSE | re.MULTILINE | re.DOTALL, "-12.5e3"),
        ]
        OWN = [
            # The standard library's too, but it holds "[[" ("\[[^]]"), which could be a nested set that warns: not kept.
            (logging.StrFormatStyle.field_spec.pattern, 0, "a.b[c]"),
            (r"(?P<year>\d{4})-(?P<month>\d\d)(?:-(?P<day>\d\d))?", 0, "2024-05-17"),
            (rb"(?P<k>[a-z]+)=(?P<v>[^;]*);?", 0, b"a=1;b=2"),
            ("poison-me", 0, "poison-me"),
        ]

        def probe(pattern, flags):
            # re's parser made to fail: the installed compile still builds what the process keeps.
            real = re._parser.parse
            def refuse(*args):
                raise LookupError("compiled")
            try:
                sys.modules["re._parser"].parse = refuse
                re.purge()
                return re._compiler.compile(pattern, flags) is not None
            except LookupError:
                return False
            finally:
                sys.modules["re._parser"].parse = real

        def same(pattern, flags, sample):
            original = re._compiler.compile.__self__[0]   # CPython's own compile, which the host's holds
            re.purge()
            ours, theirs = re.compile(pattern, flags), original(pattern, flags)
            return (ours == theirs and ours.groupindex == theirs.groupindex and ours.groups == theirs.groups
                    and ours.findall(sample) == theirs.findall(sample))

        def setup(ctx):
            with open(re._parser.__file__, encoding="utf-8") as f:
                log.info("warning sites %d", f.read().count("warnings.warn("))
            for pattern, flags, sample in STDLIB + OWN:
                log.info("%r kept=%s same=%s", pattern, probe(pattern, flags), same(pattern, flags, sample))
            if ctx.name == "first":
                try:
                    pluginhost._regex_compiler(*re._compiler.compile.__self__[:5])
                    log.info("attack: a second compiler")
                except RuntimeError as e:
                    log.info("attack refused: %s", e)
                # An altered parser: what compile now makes of "poison-me" is another pattern's program.
                real = re._parser.parse
                re._parser.parse = lambda p, flags=0: real("x", flags)
                re.purge()
                re.compile("poison-me")
                re._parser.parse = real
        """;

    [Fact]
    public async Task TheStandardLibrarysPatternsAreBuiltFromTheCacheEqualAndNoPluginCanAddToIt()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 1;
        harness.Plugin("first", Source);
        harness.Plugin("second", Source, extraManifest: "\"dependsOn\": [\"first\"]");

        await harness.StartAsync();

        foreach (var plugin in new[] { "first", "second" })
            Assert.True(harness.Status(plugin).State == PluginState.Running, harness.Status(plugin).Error);
        var first = harness.PluginMessages("first").Where(m => m.StartsWith("[r]")).ToList();
        var second = harness.PluginMessages("second").Where(m => m.StartsWith("[r]")).ToList();
        // The marks the host refuses to keep cover re._parser's warnings: 4 in parse, 1 in parse_template.
        Assert.Equal("[r] warning sites 5", first[0]);
        foreach (var messages in new[] { first, second })
        {
            Assert.All(messages.Skip(1).Take(3), m => Assert.EndsWith("kept=True same=True", m));
            Assert.All(messages.Skip(4).Take(4), m => Assert.EndsWith("kept=False same=True", m));
        }
        Assert.Equal("[r] attack refused: _regex_compiler() is the host's, called once by the bootstrap", first[8]);
    }
}
