using System.Collections.Concurrent;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Large payloads travel lent (a sender's own bytes) or in pooled buffers (anything that can change, e.g. a bytearray);
/// lent memory is given back, and a buffer reused, only once nobody can read it any more.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class LargePayloadTests(PythonRuntimeFixture fixture)
{
    private const int Size = 200_000;
    private const int Count = 300;

    [Theory]
    [InlineData("bytes")]
    [InlineData("bytearray")]
    public async Task PayloadsKeptByPythonStayIntactWhileOtherBuffersAreReused(string kind)
    {
        await using var harness = new SupervisorHarness(fixture);
        // A small inbox bounds the buffers in flight, so reuse does not depend on how far the producer runs ahead.
        harness.BrokerOptions.InboxCapacity = 4;
        harness.Plugin("producer", $$"""
            import pluginhost
            def on_message(message):
                for i in range({{Count}}):
                    pluginhost.publish("big.data", {{kind}}([i % 251]) * {{Size}})
            """);
        // Keeps every 10th Message object and a memoryview of every 10th + 5th, reads them all at the end.
        harness.Plugin("keeper", $$"""
            import pluginhost
            kept, views, seen = [], [], 0
            @pluginhost.on("big.data")
            def handle(message):
                global seen
                if seen % 10 == 0:
                    kept.append((seen, message))
                elif seen % 10 == 5:
                    views.append((seen, memoryview(message)))
                seen += 1
                if seen == {{Count}}:
                    bad = [i for i, m in kept if m.payload != bytes([i % 251]) * {{Size}}]
                    bad += [i for i, v in views if v != bytes([i % 251]) * {{Size}}]
                    pluginhost.publish("test.checked", {"seen": seen, "kept": len(kept) + len(views), "bad": bad})
            """);
        await harness.StartAsync();
        var checkedResult = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = harness.Broker.Subscribe("test.checked", (m, _) =>
        {
            checkedResult.TrySetResult(TextOf(m));
            return ValueTask.FromResult<Message?>(null);
        });
        var reusedBefore = fixture.Runtime.Payloads.Reused;

        await harness.Broker.PublishAsync(new Message { Topic = "go", To = "producer" });

        Assert.Equal($$"""{"seen":{{Count}},"kept":60,"bad":[]}""", await checkedResult.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        var reused = fixture.Runtime.Payloads.Reused - reusedBefore;
        if (kind == "bytes")
            Assert.Equal(0, reused);   // lent, never copied into a pooled buffer
        else
            Assert.True(reused > Count / 2, $"only {reused} of {Count} buffers were reused");
    }

    [Fact]
    public async Task PayloadsKeptByADotNetSubscriberLeaveThePoolAndStayIntact()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("producer", $$"""
            import pluginhost
            def on_message(message):
                for i in range({{Count}}):
                    pluginhost.publish("big.data", bytes([i % 251]) * {{Size}})
            """);
        harness.Plugin("checker", $$"""
            import pluginhost
            seen, bad = 0, []
            @pluginhost.on("big.data")
            def handle(message):
                global seen
                if message.payload != bytes([seen % 251]) * {{Size}}:
                    bad.append(seen)
                seen += 1
                if seen == {{Count}}:
                    pluginhost.publish("test.checked", {"seen": seen, "bad": bad})
            """);
        await harness.StartAsync();
        var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var kept = new ConcurrentQueue<Message>();
        using var a = harness.Broker.Subscribe("test.checked", (m, _) =>
        {
            result.TrySetResult(TextOf(m));
            return ValueTask.FromResult<Message?>(null);
        });
        using var b = harness.Broker.Subscribe("big.data", (m, _) =>
        {
            kept.Enqueue(m);
            return ValueTask.FromResult<Message?>(null);
        });

        await harness.Broker.PublishAsync(new Message { Topic = "go", To = "producer" });

        Assert.Equal($$"""{"seen":{{Count}},"bad":[]}""", await result.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        // The .NET subscriber runs on the thread pool, beside the plugin: its last messages may still be on their way.
        for (var waited = 0; kept.Count < Count && waited < 600; waited++)
            await Task.Delay(100);
        // The plugin's hold ended long ago; the .NET subscriber's did not, so those buffers must never have been reused.
        Assert.Equal(Count, kept.Count);
        Assert.All(kept.Select((m, i) => (m, i)), x => Assert.True(x.m.Payload.Span.IndexOfAnyExcept((byte)(x.i % 251)) < 0, $"message {x.i} changed"));
    }
}
