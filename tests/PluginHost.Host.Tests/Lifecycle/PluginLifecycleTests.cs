using Microsoft.Extensions.Logging;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

[Collection(PythonCollection.Name)]
public sealed class PluginLifecycleTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task GoodPluginRunsAndItsLoggingAndPrintReachTheHostLogger()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("good", """
            import logging
            def setup(ctx):
                logging.getLogger("good.db").warning("connected as %s #%d", ctx.name, ctx.instance)
                logging.getLogger("good").debug("details")
                print("first line\nsecond line")
            """);

        await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("good").State);
        var records = harness.Logs.For("PluginHost.Plugins.good").ToList();
        Assert.Contains(records, r => r.Level == LogLevel.Warning && r.Message == "[good.db] connected as good #0");
        Assert.Contains(records, r => r.Level == LogLevel.Debug && r.Message == "[good] details");
        Assert.Contains(records, r => r.Level == LogLevel.Information && r.Message == "first line");
        Assert.Contains(records, r => r.Level == LogLevel.Information && r.Message == "second line");
    }

    [Fact]
    public async Task SettingsFromTheManifestReachSetup()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("configured", """
            import logging
            def setup(ctx):
                logging.getLogger("c").info("%r %r", ctx.settings["limit"], ctx.settings["tags"])
            """, "\"settings\": { \"limit\": 5, \"tags\": [\"a\", \"b\"] }");

        await harness.StartAsync();

        Assert.Contains("[c] 5 ['a', 'b']", harness.PluginMessages("configured"));
    }

    [Fact]
    public async Task EachKindOfBrokenPluginFailsAloneAndTheOthersKeepRunning()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.WriteFile("no-manifest/main.py", "");
        harness.WriteFile("bad-json/plugin.json", "{ \"name\": ");
        harness.WriteFile("bad-schema/plugin.json", """{ "name": "bad-schema", "version": "1", "entry": "main" }""");
        harness.WriteFile("bad-schema/main.py", "");
        harness.WriteFile("no-entry/plugin.json", """{ "name": "no-entry", "version": "1.0.0", "entry": "missing" }""");
        harness.Plugin("syntax", "def setup(ctx):\n    return (\n");
        harness.Plugin("raises", "def setup(ctx):\n    raise ValueError('database unreachable')\n");
        harness.Plugin("exits", "import sys\ndef setup(ctx):\n    sys.exit(3)\n");
        harness.Plugin("zz-good", "import logging\ndef setup(ctx):\n    logging.getLogger('g').info('still here')\n");

        var supervisor = await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("zz-good").State);
        Assert.Contains("[g] still here", harness.PluginMessages("zz-good"));
        var syntax = harness.Status("syntax");
        Assert.Equal(PluginState.Failed, syntax.State);
        // The whole error when it is another (Assert.Contains shortens it): once, in CI, it was that the interpreter
        // could not be created.
        Assert.True(syntax.Error?.Contains("SyntaxError", StringComparison.Ordinal) == true, $"not a SyntaxError: {syntax.Error}");
        var raises = harness.Status("raises");
        Assert.Equal(PluginState.Failed, raises.State);
        Assert.Contains("ValueError: database unreachable", raises.Error);
        Assert.Contains("in setup", raises.Error);
        Assert.Equal(PluginState.Failed, harness.Status("exits").State);
        Assert.Contains("SystemExit", harness.Status("exits").Error);
        foreach (var unloadable in new[] { "no-manifest", "bad-json", "bad-schema", "no-entry" })
        {
            var descriptor = supervisor.Descriptors.Single(d => d.Name == unloadable);
            Assert.False(descriptor.CanLoad);
            Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginNotLoadable && r.Message.Contains(unloadable));
        }
        Assert.DoesNotContain(supervisor.Statuses, s => s.Plugin is "no-manifest" or "bad-json" or "bad-schema" or "no-entry");
    }

    [Fact]
    public async Task TwoPluginsVendoringDifferentVersionsOfOneModuleEachSeeTheirOwn()
    {
        await using var harness = new SupervisorHarness(fixture);
        const string source = """
            import logging, sys, shared_dep
            def setup(ctx):
                others = [p for p in sys.path if "plugin-" in p and ctx.name not in p]
                logging.getLogger("v").info("%s %s %s", shared_dep.VERSION, shared_dep.__file__.endswith(f"{ctx.name}/lib/shared_dep.py"), others)
            """;
        harness.Plugin("plugin-one", source);
        harness.Plugin("plugin-two", source);
        harness.WriteFile("plugin-one/lib/shared_dep.py", "VERSION = '1.0'");
        harness.WriteFile("plugin-two/lib/shared_dep.py", "VERSION = '2.0'");

        await harness.StartAsync();

        Assert.Contains("[v] 1.0 True []", harness.PluginMessages("plugin-one"));
        Assert.Contains("[v] 2.0 True []", harness.PluginMessages("plugin-two"));
    }

    [Fact]
    public async Task StopHooksRunInReverseStartOrder()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 1;   // start order by name (in parallel, which starts first is a race)
        foreach (var name in new[] { "alpha", "beta", "gamma" })
            harness.Plugin(name, "import logging\ndef teardown():\n    logging.getLogger('t').info('teardown ' + __import__('pluginhost').context().name)\n");
        await harness.StartAsync();

        await harness.DisposeAsync();

        var order = harness.Logs.Records.Where(r => r.Message.StartsWith("[t] teardown")).Select(r => r.Message[13..]).ToList();
        Assert.Equal(["gamma", "beta", "alpha"], order);
        Assert.All(new[] { "alpha", "beta", "gamma" }, name => Assert.Equal(PluginState.Stopped, harness.Status(name).State));
    }

    [Fact]
    public async Task EachInstanceGetsItsOwnInterpreterAndSdkTypeObjects()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("multi", """
            import logging, pluginhost
            def setup(ctx):
                logging.getLogger("m").info("instance=%d context_type=%d", ctx.instance, id(pluginhost.Context))
            """, "\"instances\": 2");

        await harness.StartAsync();

        var lines = harness.PluginMessages("multi").Where(m => m.StartsWith("[m] instance=")).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.StartsWith("[m] instance=0 "));
        Assert.Contains(lines, l => l.StartsWith("[m] instance=1 "));
        Assert.NotEqual(lines[0].Split("context_type=")[1], lines[1].Split("context_type=")[1]);
        Assert.NotEqual(harness.Status("multi", 0).InterpreterId, harness.Status("multi", 1).InterpreterId);
    }

    [Fact]
    public async Task SetupThatOverrunsTheStartTimeoutFailsThePlugin()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.StartTimeout = TimeSpan.FromMilliseconds(300);
        harness.Plugin("slow", "import time\ndef setup(ctx):\n    time.sleep(2)\n");
        harness.Plugin("quick", "def setup(ctx):\n    pass\n");

        await harness.StartAsync();

        Assert.Equal(PluginState.Failed, harness.Status("slow").State);
        Assert.Contains("did not finish within", harness.Status("slow").Error);
        Assert.Equal(PluginState.Running, harness.Status("quick").State);
    }

    [Fact]
    public async Task FailingStopHookIsLoggedAndTheInterpreterStillEnds()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Plugin("grumpy", "def teardown():\n    raise RuntimeError('cannot close')\n");
        await harness.StartAsync();

        await harness.DisposeAsync();

        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.StopHookFailed && r.Message.Contains("cannot close"));
        Assert.Equal(PluginState.Stopped, harness.Status("grumpy").State);
    }
}
