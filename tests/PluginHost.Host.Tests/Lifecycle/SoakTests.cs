using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using Xunit.Abstractions;
using static PluginHost.Host.Tests.Lifecycle.RestartTests;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Messages through two plugins (a relay of two instances, a sink) with restarts injected. Size:
/// PLUGINHOST_SOAK_MESSAGES (default 20,000, the CI size); e.g. 2,000,000 for a long run.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class SoakTests(PythonRuntimeFixture fixture, ITestOutputHelper output)
{
    // PLUGINHOST_SOAK_CRASH_EVERY: a relay exits on every message whose number is a multiple (default 2,500).
    private static readonly int CrashEvery = int.TryParse(Environment.GetEnvironmentVariable("PLUGINHOST_SOAK_CRASH_EVERY"), out var n) ? n : 2_500;

    [Fact]
    public async Task EveryMessageIsAccountedForWhileRelaysAreRestarted()
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("PLUGINHOST_SOAK_MESSAGES"), out var n) ? n : 20_000;
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10), Factor = 1, MaxRestarts = 10_000, MaxTotalRestarts = 0 };
        harness.Plugin("relay", $$"""
            import sys, pluginhost
            def on_message(message):
                if int(message.payload) % {{CrashEvery}} == 0:
                    sys.exit(1)                          # injected: this instance restarts, the message is dead-lettered
                pluginhost.publish("soak.out", message.payload)
            """, "\"subscriptions\": [\"soak.in\"], \"instances\": 2");
        harness.Plugin("sink", """
            import pluginhost
            def on_message(message):
                pluginhost.publish("soak.done", message.payload)
            """, "\"subscriptions\": [\"soak.out\"]");
        // Allocated before the warm-up mark, so the test's own bookkeeping does not grow with the run.
        var seen = new int[total + 1];
        var done = 0;
        var letters = 0;
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("soak.done", (m, _) =>
        {
            if (Interlocked.Exchange(ref seen[int.Parse(m.Payload.Span)], 1) == 0)
                Interlocked.Increment(ref done);
            return ValueTask.FromResult<Message?>(null);
        });
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (_, _) => { Interlocked.Increment(ref letters); return ValueTask.FromResult<Message?>(null); });
        long warm = 0;
        var refused = 0;

        for (var i = 1; i <= total; i++)
        {
            try
            {
                await harness.Broker.PublishAsync(Text("soak.in", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (MessageDeliveryException)
            {
                refused++;   // both relays' inboxes full past PublishTimeout: counted as dropped, told to the sender
            }
            if (i == total / 10)
                warm = WorkingSetAfterCollection();
        }

        var crashes = total / CrashEvery;
        await Until(() => Volatile.Read(ref done) + Volatile.Read(ref letters) + refused == total, 600);
        var relay = harness.Broker.Snapshot().For("relay");
        var restarts = harness.Status("relay", 0).Restarts + harness.Status("relay", 1).Restarts;
        var grown = WorkingSetAfterCollection() - warm;
        output.WriteLine($"{total} messages, {restarts} restarts, {refused} refused, working set +{grown / 1048576.0:F1} MiB after warm-up");
        Assert.Equal((long)refused, relay.Dropped);
        Assert.Equal(0, harness.Broker.Snapshot().For("sink").Dropped);
        Assert.Equal((long)letters, relay.DeadLettered);
        // A refused message never reached a relay, so it could not crash one.
        Assert.InRange(letters, crashes - refused, crashes);
        Assert.Equal(letters, restarts);
        // Each restart leaves its ended interpreter's memory behind (~4 MiB, see docs/reliability.md); beyond that the
        // process must not grow with the message count.
        Assert.InRange(grown, long.MinValue, restarts * (8L << 20) + (64L << 20));
    }

    private static long WorkingSetAfterCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Environment.WorkingSet;
    }
}
