using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class FlowControlTests
{
    private static (MessageBroker Broker, TestEndpoint Sink, CapturedLogs Logs) FullSink(FullInboxMode mode, TimeSpan? timeout = null)
    {
        var logs = new CapturedLogs();
        var broker = Create(new BrokerOptions { InboxCapacity = 2, FullInboxMode = mode, PublishTimeout = timeout ?? TimeSpan.FromSeconds(5) }, logs);
        var sink = new TestEndpoint("sink", capacity: 2);
        broker.Subscribe("data", sink);
        broker.TryPublish(Text("data", "1"));
        broker.TryPublish(Text("data", "2"));
        return (broker, sink, logs);
    }

    [Fact]
    public async Task APublisherWaitsWhileTheInboxIsFullAndGoesOnWhenItDrains()
    {
        var (broker, sink, _) = FullSink(FullInboxMode.Wait);
        using var owned = broker;

        var third = broker.PublishAsync(Text("data", "3")).AsTask();
        await Task.Delay(100);
        Assert.False(third.IsCompleted);

        Assert.Equal("1", TextOf(await sink.TakeAsync()));
        await third.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["2", "3"], sink.TakeAll().Select(TextOf));
        Assert.Equal(0, broker.Snapshot().For("sink").Dropped);
    }

    [Fact]
    public async Task FailModeRefusesAtOnceNamingTheReceiverAndCapacity()
    {
        var (broker, sink, logs) = FullSink(FullInboxMode.Fail);
        using var owned = broker;

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.PublishAsync(Text("data", "3")).AsTask());

        Assert.Contains("'sink/0' did not get message", failure.Message);
        Assert.Contains("its inbox of 2 messages is full and PluginHost:Broker:FullInboxMode is Fail", failure.Message);
        Assert.Equal(1, broker.Snapshot().For("sink").Dropped);
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.MessageDropped && r.Level == LogLevel.Warning && r.Message.Contains("sink/0"));
        Assert.Equal(2, sink.Depth);
    }

    [Fact]
    public async Task WaitingPastThePublishTimeoutFailsAndIsCounted()
    {
        var (broker, _, logs) = FullSink(FullInboxMode.Wait, TimeSpan.FromMilliseconds(100));
        using var owned = broker;

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.PublishAsync(Text("data", "3")).AsTask());

        Assert.Contains("its inbox of 2 messages stayed full for 00:00:00.1", failure.Message);
        Assert.Contains("PluginHost:Broker:PublishTimeout", failure.Message);
        Assert.Equal(1, broker.Snapshot().For("sink").Dropped);
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.MessageDropped);
    }

    [Fact]
    public async Task TryPublishLeavesFullReceiversPendingAndFinishingDoesNotRedeliver()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1 });
        var roomy = new TestEndpoint("roomy", capacity: 10);
        var full = new TestEndpoint("full", capacity: 1);
        broker.Subscribe("data", roomy);
        broker.Subscribe("data", full);
        broker.TryPublish(Text("data", "first"));

        var result = broker.TryPublish(Text("data", "second"));

        Assert.Equal(PublishStatus.Pending, result.Status);
        Assert.Equal(1, result.Delivered);
        Assert.Equal(["full/0"], result.Pending!.Receivers);
        var finishing = broker.PublishPendingAsync(result.Pending).AsTask();
        Assert.False(finishing.IsCompleted);

        Assert.Equal("first", TextOf(await full.TakeAsync()));
        await finishing.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["second"], full.TakeAll().Select(TextOf));
        Assert.Equal(["first", "second"], roomy.TakeAll().Select(TextOf));
        Assert.All(broker.Snapshot().Owners, o => Assert.Equal(2, o.Received));
        await Assert.ThrowsAsync<InvalidOperationException>(() => broker.PublishPendingAsync(result.Pending).AsTask());
    }

    [Fact]
    public void FailModeTryPublishRefusesOnlyTheFullReceivers()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1, FullInboxMode = FullInboxMode.Fail });
        var roomy = new TestEndpoint("roomy", capacity: 10);
        var full = new TestEndpoint("full", capacity: 1);
        broker.Subscribe("data", roomy);
        broker.Subscribe("data", full);
        broker.TryPublish(Text("data"));

        var result = broker.TryPublish(Text("data"));

        Assert.Equal(PublishStatus.Refused, result.Status);
        Assert.Equal(1, result.Delivered);
        Assert.Contains("'full/0' did not get message", result.Error);
        Assert.Equal(2, roomy.Depth);
    }

    [Fact]
    public async Task APublisherThatStopsWaitingIsToldAndTheDropIsCounted()
    {
        var (broker, _, _) = FullSink(FullInboxMode.Wait);
        using var owned = broker;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => broker.PublishAsync(Text("data", "3"), cancel.Token).AsTask());

        Assert.Equal(1, broker.Snapshot().For("sink").Dropped);
    }

    [Fact]
    public async Task AClosedInboxIsRefusedAndCounted()
    {
        using var broker = Create();
        var closed = new TestEndpoint("gone");
        closed.Close();
        broker.Subscribe("data", closed);

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.PublishAsync(Text("data")).AsTask());

        Assert.Contains("'gone/0' did not get message", failure.Message);
        Assert.Contains("its inbox is closed", failure.Message);
        Assert.Equal(1, broker.Snapshot().For("gone").Dropped);
    }

    [Fact]
    public async Task ADotNetSubscriberHoldsBackItsPublisherUntilItCatchesUp()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 4 });
        using var subscriber = new GatedSubscriber(broker, "data");

        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await broker.PublishAsync(Text("data"));
        });
        // Full: 4 waiting, or 3 once the handler took the first (a waiting publisher goes again at half, not at once).
        await Until(() => broker.Snapshot().For("host#1").InboxDepth >= 3);
        await Task.Delay(100);
        Assert.False(publishing.IsCompleted);
        Assert.InRange(broker.Snapshot().For("host#1").InboxDepth, 3, 4);

        subscriber.Open(20);
        await publishing.WaitAsync(TimeSpan.FromSeconds(5));
        await Until(() => subscriber.Handled == 20);
    }

    [Fact]
    public async Task ADotNetSubscribersInboxIsBoundedByBytesToo()
    {
        using var broker = Create(new BrokerOptions { InboxMaxBytes = 1 << 20, FullInboxMode = FullInboxMode.Fail });
        using var subscriber = new GatedSubscriber(broker, "data");
        var refusals = new List<string>();

        // The handler holds the first while the rest wait: 1 MiB of them, four of 256 KiB; the others are refused.
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await broker.PublishAsync(new Message { Topic = "data", Payload = new byte[256 << 10] });
            }
            catch (MessageDeliveryException e)
            {
                refusals.Add(e.Message);
            }
            if (i == 0)
                await Until(() => broker.Snapshot().For("host#1").InboxDepth == 0);   // taken by the handler
        }

        Assert.Equal(5, refusals.Count);
        Assert.All(refusals, r => Assert.Matches(@"its inbox holds 1\.0 MiB of payloads, and this one's 0\.[23] MiB would take it past its bound of 1\.0 MiB \(PluginHost:Broker:InboxMaxBytes\) and PluginHost:Broker:FullInboxMode is Fail", r));
        subscriber.Open(10);
        await Until(() => subscriber.Handled == 5);
        Assert.Equal((5L, 5L), (broker.Snapshot().For("host#1").Handled, broker.Snapshot().For("host#1").Dropped));
    }

    /// <summary>A .NET subscriber whose handler waits at a gate: what it holds back stays in its inbox.</summary>
    private sealed class GatedSubscriber : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(0);
        private readonly IDisposable _subscription;
        private int _handled;

        public GatedSubscriber(MessageBroker broker, string pattern) =>
            _subscription = broker.Subscribe(pattern, async (_, ct) =>
            {
                await _gate.WaitAsync(ct);
                Interlocked.Increment(ref _handled);
                return null;
            });

        public int Handled => Volatile.Read(ref _handled);

        public void Open(int messages) => _gate.Release(messages);

        public void Dispose() => _subscription.Dispose();
    }
}
