using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>Headers are bounded like payloads, and the broker's own (dead-letter) headers and topic are not a publisher's to set.</summary>
public sealed class HeaderLimitTests
{
    private static Message WithHeaders(string topic, Dictionary<string, string> headers) => Text(topic) with { Headers = headers, Sender = "svc" };

    [Fact]
    public async Task HeadersOverTheLimitAreRefusedNamingSizeLimitAndKey()
    {
        using var broker = Create(new BrokerOptions { MaxHeaderBytes = 10 });
        var sink = new TestEndpoint("sink");
        broker.Subscribe("t", sink);

        await broker.PublishAsync(WithHeaders("t", new() { ["abc"] = "défghi" }));   // 3 + 7 bytes: at the limit
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => broker.PublishAsync(WithHeaders("t", new() { ["abc"] = "défghij" })).AsTask());
        var request = await Assert.ThrowsAsync<ArgumentException>(() => broker.RequestAsync(WithHeaders("t", new() { ["k"] = new string('v', 100) }), TimeSpan.FromSeconds(5)));

        Assert.StartsWith("The message's headers hold 11 bytes (names and values, UTF-8), over the limit of 10 bytes (PluginHost:Broker:MaxHeaderBytes).", failure.Message);
        Assert.StartsWith("The message's headers hold 101 bytes", request.Message);
        Assert.Equal(1, sink.Depth);
        Assert.Equal(2, broker.Snapshot().Rejected);
        Assert.Throws<ArgumentException>(() => broker.CheckHeaderBytes("t", "plugin", 11));
        broker.CheckHeaderBytes("t", "plugin", 10);
        Assert.Equal(3, broker.Snapshot().Rejected);
    }

    [Theory]
    [InlineData("failed-by")]
    [InlineData("Error")]
    [InlineData("ORIGINAL-SENDER")]
    [InlineData("dead-letter-reason")]
    public void ThePublisherMayNotSetTheBrokersOwnHeaders(string name)
    {
        using var broker = Create();
        broker.Subscribe("t", new TestEndpoint("sink"));

        var result = broker.TryPublish(WithHeaders("t", new() { [name] = "me" }));

        Assert.Equal(PublishStatus.Invalid, result.Status);
        Assert.StartsWith($"Header '{name}' is the broker's own (it marks dead letters: dead-letter-reason, error, failed-by, failures, original-id, original-sender, original-topic); a publisher may not set it.", result.Error);
    }

    [Fact]
    public async Task OnlyTheBrokerPublishesToTheDeadLetterTopic()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 0, MaxHeaderBytes = 64 });
        var worker = new TestEndpoint("worker");
        var graveyard = new TestEndpoint("graveyard");
        broker.Subscribe("jobs", worker);
        broker.Subscribe("pluginhost.deadletter", graveyard);

        var forged = broker.TryPublish(Text("pluginhost.deadletter") with { Sender = "forger" });
        // A message whose own headers are at the limit still makes a dead letter (the broker adds its own).
        broker.TryPublish(WithHeaders("jobs", new() { ["trace"] = new string('t', 59) }));
        broker.Failed(await worker.TakeAsync(), "boom");

        Assert.Equal(PublishStatus.Invalid, forged.Status);
        Assert.Equal("Topic 'pluginhost.deadletter' is the dead-letter topic (PluginHost:Broker:DeadLetterTopic): only the broker publishes there.", forged.Error);
        var letter = (await graveyard.TakeAsync()).Message;
        Assert.Equal(("pluginhost", "boom"), (letter.Sender, letter.Headers[DeadLetterHeaders.Error]));
        Assert.Equal(0, graveyard.Depth);
    }
}
