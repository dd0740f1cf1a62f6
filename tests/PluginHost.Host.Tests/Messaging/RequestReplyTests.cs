using System.Diagnostics;
using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class RequestReplyTests
{
    [Fact]
    public async Task ADotNetSubscriberAnswersARequestCorrelatedToIt()
    {
        using var broker = Create();
        using var subscription = broker.Subscribe("math.double", (m, _) =>
            ValueTask.FromResult<Message?>(Text("ignored", $"{int.Parse(TextOf(m)) * 2}")));

        var request = Text("math.double", "21") with { Id = "req-1", Sender = "calc" };
        var reply = await broker.RequestAsync(request, TimeSpan.FromSeconds(5));

        Assert.Equal("42", TextOf(reply));
        Assert.Equal("req-1", reply.CorrelationId);
        Assert.Equal("host#1", reply.Sender);
        Assert.NotEqual("", reply.Id);
        Assert.NotEqual("req-1", reply.Id);
        Assert.NotEqual(default, reply.Timestamp);
    }

    [Fact]
    public async Task AnEchoedRequestBecomesAProperReply()
    {
        using var broker = Create();
        using var subscription = broker.Subscribe("echo", (m, _) => ValueTask.FromResult<Message?>(m));

        var reply = await broker.RequestAsync(Text("echo", "hi") with { Sender = "caller" }, TimeSpan.FromSeconds(5));

        Assert.Equal("hi", TextOf(reply));
        Assert.Equal("host#1", reply.Sender);
        Assert.NotNull(reply.CorrelationId);
        Assert.NotEqual(reply.CorrelationId, reply.Id);
    }

    [Fact]
    public async Task ARequestAddressedToAPluginIsAnsweredThroughCompleted()
    {
        using var broker = Create();
        var worker = new TestEndpoint("worker", 1);
        broker.AddEndpoint(worker);

        var pending = broker.RequestAsync(Text("jobs.size", "abc", to: "worker"), TimeSpan.FromSeconds(5));
        var delivery = await worker.TakeAsync();
        Assert.True(delivery.IsRequest);
        broker.Completed(delivery, Text("", "3"));
        var reply = await pending;

        Assert.Equal("3", TextOf(reply));
        Assert.Equal("jobs.size", reply.Topic);
        Assert.Equal(delivery.Message.Id, reply.CorrelationId);
        Assert.Equal("worker", reply.Sender);
        Assert.Equal(1, broker.Snapshot().For("worker").Handled);
    }

    [Fact]
    public async Task ANullReplyAnswersWithAnEmptyPayload()
    {
        using var broker = Create();
        using var subscription = broker.Subscribe("ping", (_, _) => ValueTask.FromResult<Message?>(null));

        var reply = await broker.RequestAsync(Text("ping"), TimeSpan.FromSeconds(5));

        Assert.True(reply.Payload.IsEmpty);
        Assert.Equal("ping", reply.Topic);
    }

    [Fact]
    public async Task ARequestGoesToExactlyOneSubscriber()
    {
        using var broker = Create();
        var calls = 0;
        using var first = broker.Subscribe("ping", (_, _) => { Interlocked.Increment(ref calls); return ValueTask.FromResult<Message?>(Text("pong", "a")); });
        using var second = broker.Subscribe("ping", (_, _) => { Interlocked.Increment(ref calls); return ValueTask.FromResult<Message?>(Text("pong", "b")); });

        for (var i = 0; i < 10; i++) Assert.Equal("a", TextOf(await broker.RequestAsync(Text("ping"), TimeSpan.FromSeconds(5))));

        Assert.Equal(10, calls);
    }

    [Theory]
    [InlineData("ghost", null)]
    [InlineData("anything", "ghost")]
    [InlineData("anything", "ghost/2")]
    public async Task ARequestNobodyReceivesFailsAtOnce(string topic, string? to)
    {
        using var broker = Create();
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.RequestAsync(Text(topic, to: to), TimeSpan.FromSeconds(30)));

        Assert.Equal($"no plugin or subscriber receives '{to ?? topic}'", failure.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        Assert.Equal(1, broker.Snapshot().Unrouted);
    }

    [Fact]
    public async Task ARequestWithoutAReplyInTimeThrowsTimeoutNamingTargetAndTimeout()
    {
        using var broker = Create();
        var worker = new TestEndpoint("worker");
        broker.AddEndpoint(worker);

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            broker.RequestAsync(Text("jobs.slow", to: "worker"), TimeSpan.FromMilliseconds(100)));

        Assert.Contains("to 'worker' (worker/0) got no reply within 00:00:00.1", failure.Message);

        // The reply that comes later goes nowhere and breaks nothing.
        broker.Completed(await worker.TakeAsync(), Text("late"));
        Assert.Equal(1, broker.Snapshot().For("worker").Handled);
    }

    [Fact]
    public async Task ARequestWhoseHandlerKeepsFailingFailsWithTheError()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 1 });
        var calls = 0;
        using var subscription = broker.Subscribe("jobs.bad", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("no such job");
        });

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.RequestAsync(Text("jobs.bad"), TimeSpan.FromSeconds(5)));

        Assert.Contains("'host#1/0' failed to handle request", failure.Message);
        Assert.Contains("InvalidOperationException: no such job", failure.Message);
        Assert.Equal(2, calls);
        Assert.Equal(0, broker.Snapshot().For("host#1").DeadLettered);
    }

    [Fact]
    public async Task ARequestToAFullInboxInFailModeIsRefused()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1, FullInboxMode = FullInboxMode.Fail });
        var worker = new TestEndpoint("worker", capacity: 1);
        broker.AddEndpoint(worker);
        broker.TryPublish(Text("fill", to: "worker"));

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.RequestAsync(Text("jobs", to: "worker"), TimeSpan.FromSeconds(5)));

        Assert.Contains("inbox of 1 messages is full", failure.Message);
    }

    [Fact]
    public async Task ATimeoutWhileWaitingForInboxRoomIsATimeout()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1 });
        var worker = new TestEndpoint("worker", capacity: 1);
        broker.AddEndpoint(worker);
        broker.TryPublish(Text("fill", to: "worker"));

        await Assert.ThrowsAsync<TimeoutException>(() => broker.RequestAsync(Text("jobs", to: "worker"), TimeSpan.FromMilliseconds(100)));

        Assert.Equal(1, broker.Snapshot().For("worker").Dropped);
    }
}
