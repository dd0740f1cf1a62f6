using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>dependsOn, dependency errors and parallel start, on the real supervisor over real CPython.</summary>
[Collection(PythonCollection.Name)]
public sealed class StartOrderTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ADependencyIsRunningBeforeItsDependentStartsEvenWhenItsNameSortsLater()
    {
        await using var harness = new SupervisorHarness(fixture);
        // One start at a time: sorted by name, "alpha" would start first and its setup's request would find no "zeta".
        harness.Options.MaxParallelStarts = 1;
        harness.Plugin("alpha", """
            import pluginhost
            answer = None
            def setup(ctx):
                global answer
                answer = pluginhost.request("ask", 20, to="zeta", timeout=5).payload
            def on_message(message):
                return answer
            def teardown():
                print("teardown alpha")
            """, extraManifest: "\"dependsOn\": [\"zeta\"]");
        harness.Plugin("zeta", "def on_message(message):\n    return message.payload + 22\ndef teardown():\n    print('teardown zeta')\n",
            extraManifest: "\"instances\": 2");
        var supervisor = await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("alpha").State);
        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "alpha"), TimeSpan.FromSeconds(10));
        Assert.Equal("42", TextOf(reply));

        await supervisor.StopAsync(CancellationToken.None);
        // Stopping reverses the start order: the dependent first, then both instances of its dependency.
        var teardowns = harness.Logs.Records.Where(r => r.Message.StartsWith("teardown ")).Select(r => r.Message[9..]).ToList();
        Assert.Equal(["alpha", "zeta", "zeta"], teardowns);
    }

    [Fact]
    public async Task ACycleAndAMissingOrDisabledDependencyKeepOnlyThosePluginsFromStarting()
    {
        await using var harness = new SupervisorHarness(fixture);
        const string Plain = "def on_message(message):\n    return 'ok'\n";
        harness.Plugin("a", Plain, extraManifest: "\"dependsOn\": [\"b\"]");
        harness.Plugin("b", Plain, extraManifest: "\"dependsOn\": [\"a\"]");
        harness.Plugin("c", Plain, extraManifest: "\"dependsOn\": [\"ghost\"]");
        harness.Plugin("d", Plain, extraManifest: "\"dependsOn\": [\"c\"]");
        harness.Plugin("e", Plain, extraManifest: "\"dependsOn\": [\"off\"]");
        harness.Plugin("off", Plain);
        harness.Plugin("ok", Plain);
        harness.Plugin("uses-ok", Plain, extraManifest: "\"dependsOn\": [\"ok\"]");
        harness.Options.Plugins["off"] = new() { Enabled = false };
        var supervisor = await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("ok").State);
        Assert.Equal(PluginState.Running, harness.Status("uses-ok").State);
        Assert.DoesNotContain(supervisor.Statuses, s => s.Plugin is "a" or "b" or "c" or "d" or "e" or "off");

        // What list and validate show: the descriptor's load error.
        var errors = supervisor.Descriptors.ToDictionary(p => p.Name, p => p.LoadError);
        Assert.Contains("dependency cycle: a -> b -> a", errors["a"]);
        Assert.Contains("dependency cycle: a -> b -> a", errors["b"]);
        Assert.Contains("dependsOn 'ghost': no plugin of that name is configured", errors["c"]);
        Assert.Contains("dependsOn 'c', which cannot start", errors["d"]);
        Assert.Contains("dependsOn 'off': that plugin is disabled", errors["e"]);
        Assert.Null(errors["ok"]);
        Assert.Null(errors["uses-ok"]);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginNotLoadable && r.Message.Contains("dependency cycle"));
    }

    [Fact]
    public async Task ADependencyThatFailsToStartIsNamedInAWarningAndTheDependentStartsAfterIt()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("a-user", "def setup(ctx):\n    print('setup a-user')\n", extraManifest: "\"dependsOn\": [\"z-broken\"]");
        harness.Plugin("z-broken", "def setup(ctx):\n    raise RuntimeError('no start')\n");

        await harness.StartAsync();

        Assert.Equal(PluginState.Failed, harness.Status("z-broken").State);   // restarts are off in the harness
        Assert.Equal(PluginState.Running, harness.Status("a-user").State);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.DependencyNotRunning
            && r.Message == "Plugin a-user starts although 1 of 1 instances of its dependency z-broken are not running");
    }

    [Fact]
    public async Task InstancesStartInParallelAndAllReachRunning()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 2;
        // Each of two instances waits in setup for the other's marker: only a parallel start lets both see it.
        harness.Plugin("pair", """
            import os, time
            seen = False
            def setup(ctx):
                global seen
                here = os.path.dirname(__file__)
                open(os.path.join(here, f"started-{ctx.instance}"), "w").close()
                other = os.path.join(here, f"started-{1 - ctx.instance}")
                for _ in range(200):
                    if os.path.exists(other):
                        seen = True
                        return
                    time.sleep(0.05)
            def on_message(message):
                return seen
            """, extraManifest: "\"instances\": 2, \"capabilities\": [\"filesystem.read\", \"filesystem.write\"]");
        harness.Plugin("many", "def on_message(message):\n    return 'ok'\n", extraManifest: "\"instances\": 5");
        var supervisor = await harness.StartAsync();

        Assert.Equal(7, supervisor.Statuses.Count);
        Assert.All(supervisor.Statuses, s => Assert.Equal(PluginState.Running, s.State));
        Assert.Equal(7, supervisor.Statuses.Select(s => s.InterpreterId).Distinct().Count());
        foreach (var instance in new[] { 0, 1 })
        {
            var message = JsonMessage("run", "null", to: $"pair/{instance}");
            Assert.Equal("true", TextOf(await harness.Broker.RequestAsync(message, TimeSpan.FromSeconds(10))));
        }
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginsStarted && r.Message.Contains("7 of 7 plugin instances running"));
    }

    [Fact]
    public async Task OneStartAtATimeIsStillPossible()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 1;
        foreach (var name in new[] { "b", "a", "c" })
            harness.Plugin(name, "def setup(ctx):\n    print('setup ' + ctx.name)\n");

        await harness.StartAsync();

        var setups = harness.Logs.Records.Where(r => r.Message.StartsWith("setup ")).Select(r => r.Message[6..]).ToList();
        Assert.Equal(["a", "b", "c"], setups);
    }
}
