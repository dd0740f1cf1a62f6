using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

[Collection(PythonCollection.Name)]
public sealed class PluginMetricsTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task RestartsStateAndMemoryAreMeasuredPerInstance()
    {
        // The meter is process-wide: only this test's plugin name is looked at.
        var seen = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PluginMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (Equals(tagged["plugin"], "metered") && Equals(tagged["instance"], 0))
                seen.AddOrUpdate(instrument.Name, value, (_, sum) => instrument is Counter<long> ? sum + value : value);
        });
        listener.Start();
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(50);
        harness.BrokerOptions.MaxRetries = 0;   // a retried message would exit the fresh interpreter too
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.Plugin("metered", "import sys\ndef on_message(message):\n    sys.exit(1)\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("x", "die") with { To = "metered" });
        await Until(() => harness.Status("metered") is { State: PluginState.Running, Restarts: 1, AllocatedBytes: not null, LargeBytes: not null }, 30);
        listener.RecordObservableInstruments();

        Assert.Equal(1, seen["pluginhost.plugin.restarts"]);
        Assert.Equal((long)PluginState.Running, seen["pluginhost.plugin.state"]);
        Assert.InRange(seen["pluginhost.plugin.memory.allocated"], 1, long.MaxValue);
        Assert.InRange(seen["pluginhost.plugin.memory.arenas"], seen["pluginhost.plugin.memory.allocated"], long.MaxValue);
        Assert.InRange(seen["pluginhost.plugin.memory.large"], 1, long.MaxValue);
        Assert.Equal(0, seen["pluginhost.plugin.memory.inbox"]);
        Assert.InRange(seen["pluginhost.plugin.memory"], seen["pluginhost.plugin.memory.large"], long.MaxValue);   // each gauge reads its own sample
    }

    [Fact]
    public async Task AnAbandonedInterpreterIsCountedPerInstance()
    {
        var abandoned = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PluginMetrics.MeterName && instrument.Name == "pluginhost.plugin.abandoned") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (Equals(tagged["plugin"], "left") && Equals(tagged["instance"], 0))
                Interlocked.Add(ref abandoned, value);
        });
        listener.Start();
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromMilliseconds(200);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.BrokerOptions.MaxRetries = 0;
        // In C: the interrupt cannot land, so after its grace the interpreter is left behind (it ends when the sleep returns).
        harness.Plugin("left", "import time\ndef on_message(message):\n    time.sleep(7)\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("x", "sleep") with { To = "left" });
        await Until(() => harness.Status("left") is { State: PluginState.Running, Restarts: 1 }, 30);

        Assert.Equal(1, harness.Status("left").Abandoned);
        Assert.Equal(1, Interlocked.Read(ref abandoned));
        // The message whose handler never returned is counted once, as failed (dead-lettered: no retries here).
        await Until(() => harness.Broker.Snapshot().For("left") is { Failed: 1, DeadLettered: 1 }, 10);
        Assert.Equal(0, harness.Broker.Snapshot().For("left").Handled);
    }
}
