using System.Collections.Concurrent;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class DeadLetterTests
{
    [Fact]
    public async Task AFailingHandlerIsRetriedThenDeadLetteredAndTheSubscriberServesOn()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 2 });
        var attempts = 0;
        var handled = new ConcurrentQueue<string>();
        var letters = new ConcurrentQueue<Message>();
        using var jobs = broker.Subscribe("jobs.run", (m, _) =>
        {
            if (TextOf(m) == "bad")
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("bad job");
            }

            handled.Enqueue(TextOf(m));
            return ValueTask.FromResult<Message?>(null);
        });
        using var deadLetters = broker.Subscribe("pluginhost.deadletter", (m, _) =>
        {
            letters.Enqueue(m);
            return ValueTask.FromResult<Message?>(null);
        });

        var bad = Text("jobs.run", "bad") with { Sender = "planner", Headers = new Dictionary<string, string> { ["trace"] = "t-1" } };
        var id = broker.TryPublish(bad).Message.Id;
        await broker.PublishAsync(Text("jobs.run", "good-1"));
        await broker.PublishAsync(Text("jobs.run", "good-2"));
        await Until(() => letters.Count == 1 && handled.Count == 2);

        Assert.Equal(3, attempts);
        Assert.Equal(["good-1", "good-2"], handled);
        var letter = Assert.Single(letters);
        Assert.Equal("bad", TextOf(letter));
        Assert.Equal(ContentTypes.Text, letter.ContentType);
        Assert.Equal("pluginhost", letter.Sender);
        Assert.Equal("InvalidOperationException: bad job", letter.Headers["error"]);
        Assert.Equal("jobs.run", letter.Headers["original-topic"]);
        Assert.Equal(id, letter.Headers["original-id"]);
        Assert.Equal("planner", letter.Headers["original-sender"]);
        Assert.Equal("host#1/0", letter.Headers["failed-by"]);
        Assert.Equal("3", letter.Headers["failures"]);
        Assert.Equal("t-1", letter.Headers["trace"]);
        var stats = broker.Snapshot().For("host#1");
        Assert.Equal((5L, 2L, 3L, 2L, 1L), (stats.Received, stats.Handled, stats.Failed, stats.Retried, stats.DeadLettered));
    }

    [Fact]
    public async Task APluginEndpointGetsTheSameDeliveryBackUntilItsRetriesAreUsed()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 1, DeadLetterTopic = "dead" });
        var worker = new TestEndpoint("worker");
        var dead = new TestEndpoint("graveyard");
        broker.Subscribe("jobs", worker);
        broker.Subscribe("dead", dead);
        broker.TryPublish(Text("jobs", "x"));

        var first = await worker.TakeAsync();
        broker.Failed(first, "ValueError: x");
        var second = await worker.TakeAsync();
        broker.Failed(second, "ValueError: x again");

        Assert.Same(first, second);
        Assert.Equal(2, second.Failures);
        var letter = (await dead.TakeAsync()).Message;
        Assert.Equal("ValueError: x again", letter.Headers[DeadLetterHeaders.Error]);
        Assert.Equal("worker/0", letter.Headers[DeadLetterHeaders.FailedBy]);
        Assert.Equal(0, worker.Depth);
    }

    [Fact]
    public void ADeadLetterWithoutSubscriberIsCountedAndLogged()
    {
        var logs = new CapturedLogs();
        using var broker = Create(new BrokerOptions { MaxRetries = 0 }, logs);
        var worker = new TestEndpoint("worker");
        broker.Subscribe("jobs", worker);
        broker.TryPublish(Text("jobs"));

        broker.Failed(worker.TakeAll().Single(), "boom");

        Assert.Equal(1, broker.Snapshot().For("worker").DeadLettered);
        Assert.Equal(1, broker.Snapshot().Unrouted);
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.DeadLettered && r.Message.Contains("boom"));
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.DeadLetterUnrouted);
    }

    [Fact]
    public async Task AFailingDeadLetterHandlerDoesNotDeadLetterAgain()
    {
        var logs = new CapturedLogs();
        using var broker = Create(new BrokerOptions { MaxRetries = 0 }, logs);
        var calls = 0;
        using var jobs = broker.Subscribe("jobs", (_, _) => throw new InvalidOperationException("job failed"));
        using var deadLetters = broker.Subscribe("pluginhost.>", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("dead-letter handler failed");
        });

        await broker.PublishAsync(Text("jobs"));
        await Until(() => broker.Snapshot().For("host#2").Dropped == 1);
        await Task.Delay(50);

        Assert.Equal(1, calls);
        Assert.Equal(1, broker.Snapshot().For("host#1").DeadLettered);
        Assert.Equal(0, broker.Snapshot().For("host#2").DeadLettered);
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.DeadLetterFailed);
    }

    [Fact]
    public async Task ARetryIntoAFullInboxWaitsInTheBackground()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1, MaxRetries = 1 });
        var worker = new TestEndpoint("worker", capacity: 1);
        broker.Subscribe("jobs", worker);
        broker.TryPublish(Text("jobs", "a"));
        var failing = await worker.TakeAsync();
        broker.TryPublish(Text("jobs", "b"));

        broker.Failed(failing, "try again");
        Assert.Equal("b", TextOf(await worker.TakeAsync()));

        Assert.Same(failing, await worker.TakeAsync());
    }
}
