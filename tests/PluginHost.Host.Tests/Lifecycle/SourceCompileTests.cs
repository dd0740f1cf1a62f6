using System.Text;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// A plugin's sources are compiled by pluginhost._compile_source (bootstrap.py replaces importlib's source_to_code):
/// what the builtin compile() makes of them, without building the ast module's types first. Checked against the
/// builtin on what an import can meet: a PEP 263 cookie, __future__ imports, optimize levels, NUL bytes, a str source
/// from a custom loader, and a syntax error's traceback.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]
public sealed class SourceCompileTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task PluginSourcesCompileAsTheBuiltinCompileDoesAndSyntaxErrorsReadTheSame()
    {
        await using var harness = new SupervisorHarness(fixture);
        var folder = harness.Plugin("compiled", """"
            import importlib.machinery, logging, traceback
            import latin, future_user

            log = logging.getLogger("c")

            def same(data, path, optimize):
                loader = importlib.machinery.SourceFileLoader("x", path)
                ours = loader.source_to_code(data, path, _optimize=optimize)
                theirs = compile(data, path, "exec", dont_inherit=True, optimize=optimize)
                return ours.co_code == theirs.co_code and ours.co_consts == theirs.co_consts and ours.co_filename == theirs.co_filename

            def outcome(data, path="p.py", optimize=-1):
                loader = importlib.machinery.SourceFileLoader("x", path)
                try:
                    loader.source_to_code(data, path, _optimize=optimize)
                    return "ok"
                except BaseException as e:
                    return f"{type(e).__name__}: {e}"

            def setup(ctx):
                log.info("loader replaced %s", importlib.machinery.SourceFileLoader.source_to_code.__closure__ is not None)
                log.info("latin %r", latin.TEXT)
                log.info("future %r %r", future_user.f.__annotations__, future_user.__file__.endswith("future_user.py"))
                source = b'"""module doc"""\ndef f():\n    "doc"\n    assert False\n    return 1\n'
                log.info("same %s", [same(source, "m.py", o) for o in (-1, 0, 1, 2)])
                log.info("str source %s", same(source.decode(), "m.py", -1))
                log.info("nul %s", outcome(b"x = 1\0"))
                log.info("bad optimize %s", outcome(b"x = 1", optimize=7))
                try:
                    import broken
                except SyntaxError as e:
                    text = "".join(traceback.format_exception(e))
                    log.info("syntax %s:%s %s | importlib frames %d", e.filename.rsplit("/", 1)[-1], e.lineno, e.msg, text.count("importlib"))
            """");
        File.WriteAllBytes(Path.Combine(folder, "latin.py"), Encoding.Latin1.GetBytes("# -*- coding: latin-1 -*-\nTEXT = \"café\"\n"));
        File.WriteAllText(Path.Combine(folder, "future_user.py"), "from __future__ import annotations\ndef f(x: Undefined) -> int: ...\n");
        File.WriteAllText(Path.Combine(folder, "broken.py"), "x = 1\ndef g(:\n");

        await harness.StartAsync();

        Assert.True(harness.Status("compiled").State == PluginState.Running, harness.Status("compiled").Error);
        var messages = harness.PluginMessages("compiled").ToList();
        Assert.Contains("[c] loader replaced True", messages);
        Assert.Contains("[c] latin 'café'", messages);
        Assert.Contains("[c] future {'x': 'Undefined', 'return': 'int'} True", messages);
        Assert.Contains("[c] same [True, True, True, True]", messages);
        Assert.Contains("[c] str source True", messages);
        Assert.Contains("[c] nul SyntaxError: source code string cannot contain null bytes", messages);
        Assert.Contains("[c] bad optimize ValueError: compile(): invalid optimize value", messages);
        Assert.Contains("[c] syntax broken.py:2 invalid syntax | importlib frames 0", messages);
    }
}
