using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>A delivery whose payload did not decode in its receiver is the sender's fault: given up at once, counted for all to see.</summary>
public sealed class UndecodableTests
{
    private const string Why = "the payload from 'garbler' does not decode as application/json: json.decoder.JSONDecodeError: Expecting value";

    private static Message Garbage(string topic) =>
        new() { Topic = topic, Payload = "{oops"u8.ToArray(), ContentType = ContentTypes.Json, Sender = "garbler" };

    [Fact]
    public async Task ItIsDeadLetteredAtOnceWithTheSenderAndNeverRetried()
    {
        var logs = new CapturedLogs();
        using var broker = Create(new BrokerOptions { MaxRetries = 5 }, logs);
        var reader = new TestEndpoint("reader");
        var graveyard = new TestEndpoint("graveyard");
        broker.Subscribe("feed", reader);
        broker.Subscribe("pluginhost.deadletter", graveyard);
        var id = broker.TryPublish(Garbage("feed")).Message.Id;

        broker.Undecodable(await reader.TakeAsync(), Why);

        var letter = (await graveyard.TakeAsync()).Message;
        Assert.Equal(0, reader.Depth);
        Assert.Equal("pluginhost", letter.Sender);
        Assert.Equal("{oops", TextOf(letter));
        Assert.Equal(Why, letter.Headers[DeadLetterHeaders.Error]);
        Assert.Equal("undecodable", letter.Headers[DeadLetterHeaders.Reason]);
        Assert.Equal("garbler", letter.Headers[DeadLetterHeaders.OriginalSender]);
        Assert.Equal(id, letter.Headers[DeadLetterHeaders.OriginalId]);
        Assert.Equal("reader/0", letter.Headers[DeadLetterHeaders.FailedBy]);
        Assert.Equal("0", letter.Headers[DeadLetterHeaders.Failures]);
        var stats = broker.Snapshot().For("reader");
        Assert.Equal((1L, 0L, 0L, 0L, 1L, 1L), (stats.Received, stats.Handled, stats.Failed, stats.Retried, stats.Undecodable, stats.DeadLettered));
        var warning = Assert.Single(logs.Records, r => r.EventId == LogEvents.Undecodable);
        Assert.Equal($"Message {id} on 'feed' from 'garbler' does not decode in reader/0; it goes to 'pluginhost.deadletter' at once (the sender's fault: not retried, not a failure of the receiver): {Why}", warning.Message);
        Assert.DoesNotContain(logs.Records, r => r.EventId == LogEvents.DeadLettered);
    }

    [Fact]
    public async Task AnUndecodableRequestFailsAtOnceNamingTheSender()
    {
        using var broker = Create();
        var reader = new TestEndpoint("reader");
        broker.AddEndpoint(reader);

        var reply = broker.RequestAsync(Garbage("ask") with { To = "reader" }, TimeSpan.FromSeconds(30));
        broker.Undecodable(await reader.TakeAsync(), Why);

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => reply);
        Assert.StartsWith("'reader/0' could not read request ", failure.Message);
        Assert.EndsWith(Why, failure.Message);
        Assert.Equal((1L, 0L, 0L), (broker.Snapshot().For("reader").Undecodable, broker.Snapshot().For("reader").DeadLettered, broker.Snapshot().For("reader").Failed));
    }

    [Fact]
    public async Task AnUndecodableDeadLetterIsNotDeadLetteredAgain()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 0 });
        var worker = new TestEndpoint("worker");
        var graveyard = new TestEndpoint("graveyard");
        broker.Subscribe("jobs", worker);
        broker.Subscribe("pluginhost.deadletter", graveyard);
        broker.TryPublish(Garbage("jobs"));
        broker.Undecodable(await worker.TakeAsync(), Why);

        broker.Undecodable(await graveyard.TakeAsync(), Why);

        Assert.Equal(0, graveyard.Depth);
        Assert.Equal((1L, 0L, 0L), (broker.Snapshot().For("graveyard").Undecodable, broker.Snapshot().For("graveyard").DeadLettered, broker.Snapshot().For("graveyard").Dropped));
    }

    [Fact]
    public async Task MetricsTagTheSenderAndTheReason()
    {
        using var broker = Create();
        using var recorder = new MetricsTests.Recorder(broker);
        var reader = new TestEndpoint("reader", 2);
        broker.Subscribe("feed", reader);
        broker.TryPublish(Garbage("feed"));

        broker.Undecodable(await reader.TakeAsync(), Why);

        Assert.Equal(1, recorder["pluginhost.messages.undecodable plugin=reader instance=2 sender=garbler"]);
        Assert.Equal(1, recorder["pluginhost.messages.dead_lettered plugin=reader instance=2 reason=undecodable"]);
        Assert.Equal(0, recorder["pluginhost.messages.failed plugin=reader instance=2"]);
    }
}
