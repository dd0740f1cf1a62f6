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
        await Messaging.Brokers.Until(() => harness.Status("metered") is { State: PluginState.Running, Restarts: 1, AllocatedBytes: not null, LargeBytes: not null }, 30);
        listener.RecordObservableInstruments();

        Assert.Equal(1, seen["pluginhost.plugin.restarts"]);
        Assert.Equal((long)PluginState.Running, seen["pluginhost.plugin.state"]);
        Assert.InRange(seen["pluginhost.plugin.memory.allocated"], 1, long.MaxValue);
        Assert.InRange(seen["pluginhost.plugin.memory.arenas"], seen["pluginhost.plugin.memory.allocated"], long.MaxValue);
        Assert.InRange(seen["pluginhost.plugin.memory.large"], 1, long.MaxValue);
        Assert.Equal(0, seen["pluginhost.plugin.memory.inbox"]);
        Assert.InRange(seen["pluginhost.plugin.memory"], seen["pluginhost.plugin.memory.large"], long.MaxValue);   // each gauge reads its own sample
    }
}
