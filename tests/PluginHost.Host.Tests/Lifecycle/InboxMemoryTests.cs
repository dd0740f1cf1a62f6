using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;
using Xunit.Abstractions;
using static PluginHost.Host.Tests.Lifecycle.RestartTests;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Payloads waiting in an inbox are memory the instance holds: counted in its figure and bounded, so a plugin cannot
/// park gigabytes in an inbox (its own here, which it keeps from draining by staying in its handler).
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class InboxMemoryTests(PythonRuntimeFixture fixture, ITestOutputHelper output)
{
    private const int Attempts = 100;
    private const int PayloadMiB = 4;

    // Publishes 100 × 4 MiB to itself (refusals counted), then waits in its handler for the test to look, so nothing drains.
    private const string Hog = """
        import pluginhost
        parked = 0
        def on_message(message):
            global parked
            if message.topic == "hog.park":
                parked += 1
                return
            payload = bytes(4 << 20)
            accepted = refused = 0
            error = ""
            for _ in range(100):
                try:
                    pluginhost.publish("hog.park", payload, to="hog")
                    accepted += 1
                except RuntimeError as e:
                    refused += 1
                    error = str(e)
            pluginhost.request("test.parked", {"accepted": accepted, "refused": refused, "error": error}, timeout=60)
        """;

    private const string Relay = "import pluginhost\ndef on_message(message):\n    pluginhost.publish(\"sink.in\", message.payload, to=\"sink\")\n";

    private const string Sink = "import pluginhost\ndef on_message(message):\n    pluginhost.publish(\"test.sunk\", message.payload)\n";

    [Theory]
    [InlineData(32, null, "PluginHost:Plugins:hog:MemoryLimitMiB")]
    [InlineData(null, 24, "PluginHost:Broker:InboxMaxBytes")]
    public async Task MessagesParkedInAnInboxAreRefusedPastItsBoundAndEveryOneIsAccountedFor(int? memoryLimitMiB, int? inboxMaxMiB, string boundKey)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(50);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.Options.Plugins["hog"] = new PluginOptions { MemoryLimitMiB = memoryLimitMiB };
        harness.BrokerOptions.FullInboxMode = FullInboxMode.Fail;
        if (inboxMaxMiB is { } max)
            harness.BrokerOptions.InboxMaxBytes = (long)max << 20;
        var bound = (long)(memoryLimitMiB ?? inboxMaxMiB!.Value) << 20;
        harness.Plugin("hog", Hog);
        harness.Plugin("relay", Relay);
        harness.Plugin("sink", Sink);
        await harness.StartAsync();
        var sunk = new ConcurrentQueue<Message>();
        var parked = new TaskCompletionSource<(JsonElement Summary, PluginStatus Status)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sunkSubscription = harness.Broker.Subscribe("test.sunk", (m, _) => { sunk.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        using var parkedSubscription = harness.Broker.Subscribe("test.parked", async (m, _) =>
        {
            // The hog waits in its handler for this reply: what it parked stays in its inbox while the test looks.
            parked.TrySetResult((JsonDocument.Parse(m.Payload).RootElement.Clone(), harness.Status("hog")));
            await release.Task;
            return Text("test.parked", "");
        });
        await Until(() => harness.Status("hog").MemoryBytes is not null, 20);

        await harness.Broker.PublishAsync(Text("hog.go", "") with { To = "hog" });
        var (summary, status) = await parked.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var accepted = summary.GetProperty("accepted").GetInt32();
        var refused = summary.GetProperty("refused").GetInt32();
        output.WriteLine($"accepted {accepted}, refused {refused}; inbox {status.InboxBytes} bytes, memory {status.MemoryBytes} bytes; {summary.GetProperty("error").GetString()}");
        Assert.Equal(Attempts, accepted + refused);
        Assert.InRange(accepted, 1, bound / (PayloadMiB << 20));
        Assert.Equal((long)accepted * (PayloadMiB << 20), status.InboxBytes);   // counted in its figure
        Assert.InRange(status.MemoryBytes!.Value, status.InboxBytes + (status.LargeBytes ?? 0), long.MaxValue);
        if (memoryLimitMiB is not null)
        {
            // The inbox holds what the interpreter leaves of the limit (one payload more at most, while the first
            // sample after the handler's own 4 MiB is taken).
            Assert.InRange(status.MemoryBytes!.Value, 0, bound + (PayloadMiB << 20));
        }
        var error = summary.GetProperty("error").GetString()!;
        Assert.Contains("'hog/0' did not get message", error);
        Assert.Contains("would take it past its bound of", error);
        Assert.Contains(boundKey, error);

        // Meanwhile a neighbouring pair keeps exchanging messages.
        for (var i = 0; i < 50; i++)
            await harness.Broker.PublishAsync(Text("relay.in", $"{i}") with { To = "relay" });
        await Until(() => sunk.Count == 50, 30);

        // Released, the hog handles what it parked; every attempt is handled or counted as refused (dropped for hog).
        release.SetResult();
        await Until(() => harness.Broker.Snapshot().For("hog").Handled == 1 + accepted, 30);
        var hog = harness.Broker.Snapshot().For("hog");
        Assert.Equal((1L + accepted, (long)refused, 0L), (hog.Handled, hog.Dropped, hog.DeadLettered));
        await Until(() => harness.Status("hog").InboxBytes == 0, 10);
        // Waiting bytes are not the interpreter's: they never restart the instance (a restart would not free them).
        Assert.Equal(0, harness.Status("hog").Restarts);
    }
}
