using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class PayloadLimitTests
{
    [Fact]
    public async Task APayloadOverTheLimitIsRefusedNamingSizeAndLimit()
    {
        using var broker = Create(new BrokerOptions { MaxPayloadBytes = 10 });
        var sink = new TestEndpoint("sink");
        broker.Subscribe("blobs", sink);

        var result = broker.TryPublish(new Message { Topic = "blobs", Payload = new byte[11] });
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() =>
            broker.PublishAsync(new Message { Topic = "blobs", Payload = new byte[11] }).AsTask());

        Assert.Equal(PublishStatus.Refused, result.Status);
        Assert.Contains("payload of 11 bytes on 'blobs' is over the limit of 10 bytes (PluginHost:Broker:MaxPayloadBytes)", failure.Message);
        Assert.Equal(0, sink.Depth);
        Assert.Equal(2, broker.Snapshot().Rejected);
        Assert.Equal(PublishStatus.Delivered, broker.TryPublish(new Message { Topic = "blobs", Payload = new byte[10] }).Status);
    }

    [Fact]
    public async Task AnOversizeRequestAndAnOversizeReplyAreRefused()
    {
        using var broker = Create(new BrokerOptions { MaxPayloadBytes = 10 });
        using var subscription = broker.Subscribe("blobs", (_, _) => ValueTask.FromResult<Message?>(new Message { Topic = "r", Payload = new byte[11] }));

        await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.RequestAsync(new Message { Topic = "blobs", Payload = new byte[11] }, TimeSpan.FromSeconds(5)));
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => broker.RequestAsync(new Message { Topic = "blobs" }, TimeSpan.FromSeconds(5)));

        Assert.Contains("has 11 bytes, over the limit of 10", failure.Message);
    }
}
