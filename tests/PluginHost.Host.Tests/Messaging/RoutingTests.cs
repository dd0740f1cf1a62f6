using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class RoutingTests
{
    [Fact]
    public async Task EachSubscribingOwnerGetsItsOwnCopy()
    {
        using var broker = Create();
        var billing = new TestEndpoint("billing");
        var audit = new TestEndpoint("audit");
        broker.Subscribe("orders.*", billing);
        broker.Subscribe("orders.>", audit);

        var result = broker.TryPublish(Text("orders.created", "o-1"));

        Assert.Equal(PublishStatus.Delivered, result.Status);
        Assert.Equal(2, result.Delivered);
        Assert.Equal("o-1", TextOf(await billing.TakeAsync()));
        Assert.Equal("o-1", TextOf(await audit.TakeAsync()));
    }

    [Fact]
    public void InstancesOfOneOwnerCompeteRoundRobin()
    {
        using var broker = Create();
        var workers = Enumerable.Range(0, 3).Select(i => new TestEndpoint("worker", i, capacity: 100)).ToArray();
        foreach (var worker in workers) broker.Subscribe("jobs.>", worker);

        for (var i = 0; i < 30; i++) broker.TryPublish(Text("jobs.resize", $"{i}"));

        Assert.All(workers, w => Assert.Equal(10, w.Depth));
    }

    [Fact]
    public void AFullInstanceIsSkippedWhileAnotherHasRoom()
    {
        using var broker = Create();
        var busy = new TestEndpoint("worker", 0, capacity: 1);
        var idle = new TestEndpoint("worker", 1, capacity: 10);
        broker.Subscribe("jobs.*", busy);
        broker.Subscribe("jobs.*", idle);
        broker.AddEndpoint(busy);
        broker.TryPublish(Text("jobs.fill", to: "worker/0"));

        for (var i = 0; i < 4; i++) Assert.Equal(PublishStatus.Delivered, broker.TryPublish(Text("jobs.run")).Status);

        Assert.Equal(1, busy.Depth);
        Assert.Equal(4, idle.Depth);
    }

    [Fact]
    public void AMessageAddressedToAnInstanceGoesOnlyToIt()
    {
        using var broker = Create();
        var first = new TestEndpoint("worker", 0);
        var second = new TestEndpoint("worker", 1);
        var listener = new TestEndpoint("audit");
        broker.AddEndpoint(first);
        broker.AddEndpoint(second);
        broker.Subscribe("jobs.>", listener);

        for (var i = 0; i < 5; i++) broker.TryPublish(Text("jobs.run", to: "worker/1"));

        Assert.Equal(0, first.Depth);
        Assert.Equal(5, second.Depth);
        Assert.Equal(0, listener.Depth);
    }

    [Fact]
    public void AMessageAddressedToAPluginGoesToOneOfItsInstances()
    {
        using var broker = Create();
        var first = new TestEndpoint("worker", 0);
        var second = new TestEndpoint("worker", 1);
        broker.AddEndpoint(first);
        broker.AddEndpoint(second);

        for (var i = 0; i < 6; i++) Assert.Equal(1, broker.TryPublish(Text("jobs.run", to: "worker")).Delivered);

        Assert.Equal(3, first.Depth);
        Assert.Equal(3, second.Depth);
    }

    [Fact]
    public void AMessageMatchingSeveralPatternsOfOneOwnerArrivesOnce()
    {
        using var broker = Create();
        var endpoint = new TestEndpoint("audit");
        broker.Subscribe("orders.*", endpoint);
        broker.Subscribe("orders.>", endpoint);
        broker.Subscribe("orders.created", endpoint);
        broker.Subscribe("orders.created", endpoint);

        Assert.Equal(1, broker.TryPublish(Text("orders.created")).Delivered);
        Assert.Equal(1, endpoint.Depth);
    }

    [Fact]
    public void DisposingASubscriptionStopsDeliveryAndCountsUnrouted()
    {
        using var broker = Create();
        var endpoint = new TestEndpoint("audit");
        var subscription = broker.Subscribe("orders.*", endpoint);
        var other = broker.Subscribe("orders.created", endpoint);

        subscription.Dispose();
        subscription.Dispose();
        Assert.Equal(1, broker.TryPublish(Text("orders.created")).Delivered);
        other.Dispose();
        var result = broker.TryPublish(Text("orders.created"));

        Assert.Equal(PublishStatus.NoReceivers, result.Status);
        Assert.Equal("no plugin or subscriber receives 'orders.created'", result.Error);
        Assert.Equal(1, broker.Snapshot().Unrouted);
    }

    [Fact]
    public async Task DisposingAnEndpointRegistrationRemovesItsAddress()
    {
        using var broker = Create();
        var registration = broker.AddEndpoint(new TestEndpoint("worker"));

        registration.Dispose();

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.PublishAsync(Text("jobs.run", to: "worker")).AsTask());
        Assert.Equal("no plugin or subscriber receives 'worker'", failure.Message);
    }

    [Fact]
    public void PublishStampsAUniqueIdAndATimestamp()
    {
        using var broker = Create();
        broker.Subscribe(">", new TestEndpoint("audit", capacity: 1000));
        var before = DateTimeOffset.UtcNow;

        var messages = Enumerable.Range(0, 1000).Select(_ => broker.TryPublish(Text("t")).Message).ToList();

        Assert.Equal(1000, messages.Select(m => m.Id).Distinct().Count());
        Assert.All(messages, m => Assert.InRange(m.Timestamp, before, DateTimeOffset.UtcNow));
        var own = broker.TryPublish(Text("t") with { Id = "mine", Timestamp = before }).Message;
        Assert.Equal(("mine", before), (own.Id, own.Timestamp));
    }

    [Theory]
    [InlineData("orders.*", null, "wildcards are for subscriptions")]
    [InlineData("orders..created", null, "empty token")]
    [InlineData("orders", "worker/x", "is not 'plugin' or 'plugin/instance'")]
    [InlineData("orders", "", "is not 'plugin' or 'plugin/instance'")]
    public async Task MalformedMessagesAreInvalid(string topic, string? to, string reason)
    {
        using var broker = Create();

        var result = broker.TryPublish(Text(topic, to: to));
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => broker.PublishAsync(Text(topic, to: to)).AsTask());

        Assert.Equal(PublishStatus.Invalid, result.Status);
        Assert.Contains(reason, result.Error);
        Assert.Contains(reason, failure.Message);
        Assert.Equal(2, broker.Snapshot().Rejected);
    }

    [Fact]
    public void InvalidPatternsAndEndpointsAreRefusedAtSubscribe()
    {
        using var broker = Create();

        Assert.Throws<ArgumentException>(() => broker.Subscribe("a.>.b", new TestEndpoint("x")));
        Assert.Throws<ArgumentException>(() => broker.Subscribe("a", new TestEndpoint("x/y")));
        Assert.Throws<ArgumentException>(() => broker.AddEndpoint(new TestEndpoint("x", -1)));
        Assert.Throws<ArgumentException>(() => broker.Subscribe("a.>.b", (_, _) => ValueTask.FromResult<Message?>(null)));
    }

    [Fact]
    public void ManyDistinctTopicsKeepRoutingCorrectBeyondTheCache()
    {
        using var broker = Create();
        var endpoint = new TestEndpoint("audit", capacity: 3 * RoutingTable.MaxCachedTopics);
        broker.Subscribe("even.>", endpoint);

        for (var i = 0; i < 2 * RoutingTable.MaxCachedTopics; i++)
        {
            broker.TryPublish(Text($"even.{i}"));
            broker.TryPublish(Text($"odd.{i}"));
        }

        Assert.Equal(2 * RoutingTable.MaxCachedTopics, endpoint.Depth);
        Assert.Equal(2 * RoutingTable.MaxCachedTopics, broker.Snapshot().Unrouted);
    }
}
