using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>PluginSupervisor.StopAsync in-process, against real CPython: its token, its order, its counts.</summary>
[Collection(PythonCollection.Name)]
public sealed class SupervisorStopTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task TheHostsCancelledTokenEndsEveryWaitAndWhatHasNotEndedIsAbandonedAndCounted()
    {
        var harness = new SupervisorHarness(fixture);
        // Sleeping in C: an interrupt lands only when the sleep returns, so only the token can cut this teardown short.
        harness.Plugin("sleepy", "import time\ndef setup(ctx):\n    pass\ndef teardown():\n    print('teardown begins')\n    time.sleep(3)\n");
        harness.Plugin("tidy", "def setup(ctx):\n    pass\ndef teardown():\n    print('teardown tidy')\n");
        var supervisor = await harness.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await supervisor.StopAsync(cancelled.Token);

        // StopTimeout is 10 s: without the token, the 3 s teardown would have finished and the interpreter ended.
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.InterpreterLeftRunning && r.Message.Contains("Plugin sleepy") && r.Message.Contains("the host would wait no longer"));
        Assert.Equal(PluginState.Stopped, harness.Status("sleepy").State);
        Assert.Equal(PluginState.Stopped, harness.Status("tidy").State);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginsStopped && r.Message.Contains("Stopped 2 plugin instance(s)") && r.Message.Contains("0 not stopped by the deadline"));
        await supervisor.StopAsync(CancellationToken.None);   // once: the harness's own stop finds nothing left to do
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task OrdinaryInstancesStopInReverseStartOrderEachWithinItsTurn()
    {
        await using var harness = new SupervisorHarness(fixture);
        // One start at a time, so that the start order is the names' (in parallel, which of two waiting instances takes
        // a freed slot first is a race, and the stop order checked here is the reverse of the start order).
        harness.Options.MaxParallelStarts = 1;
        foreach (var name in new[] { "a1", "b2", "c3", "d4" })
            harness.Plugin(name, $"import pluginhost\ndef setup(ctx):\n    pass\ndef teardown():\n    print('teardown {name}')\n");
        var supervisor = await harness.StartAsync();

        await supervisor.StopAsync(CancellationToken.None);

        var teardowns = harness.Logs.Records.Where(r => r.Message.StartsWith("teardown ")).Select(r => r.Message[9..]).ToList();
        Assert.Equal(["d4", "c3", "b2", "a1"], teardowns);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginsStopped && r.Message.Contains("Stopped 4 plugin instance(s)") && r.Message.Contains("0 failed, 0 interpreter(s) they could not end"));
    }
}
