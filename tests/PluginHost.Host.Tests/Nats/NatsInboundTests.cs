using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Messaging.Nats;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Messaging;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// What arrives from NATS goes into inboxes on the client's reader thread, as it was sent: a full inbox holds back its
/// own subscription's messages, in order and none lost, and not the others'.
/// </summary>
public sealed class NatsInboundTests : NatsTestBase
{
    [Fact]
    public async Task AFullInboxHoldsBackItsMessagesInOrderAndLosesNone()
    {
        await using var host = await Inboxes.StartAsync(Server.Url);
        var (broker, slow, fast) = (host.Broker, host.Slow, host.Fast);

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        // Far more than the inbox (2) and the subscription's backlog (1,024) hold: the reader itself waits at the end.
        const int Count = 1_500;
        for (var i = 0; i < Count; i++)
            await peer.PublishTextAsync("t.work.slow", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < 5; i++)
            await peer.PublishTextAsync("t.work.fast", $"f{i}");
        await peer.Connection.PingAsync();

        await WaitUntil(() => slow.Depth == 2, "the slow inbox filling");
        await Task.Delay(200);   // the reader is held: nothing more arrives, and nothing is dropped meanwhile
        Assert.Equal(0, broker.Snapshot().For("slow").Dropped);
        // Taken slowly: everything arrives, each once and in the order published.
        var taken = new List<string>();
        for (var i = 0; i < Count; i++) taken.Add(Brokers.TextOf(await slow.TakeAsync()));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), taken);
        for (var i = 0; i < 5; i++) Assert.Equal($"f{i}", Brokers.TextOf(await fast.TakeAsync()));
        Assert.Equal(0, slow.Depth + fast.Depth);
        Assert.Equal(0, broker.Snapshot().For("slow").Dropped);
    }

    [Fact]
    public async Task WhileTheBacklogHasRoomOtherSubscriptionsAreNotHeldUp()
    {
        await using var host = await Inboxes.StartAsync(Server.Url);
        var (broker, slow, fast) = (host.Broker, host.Slow, host.Fast);

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        for (var i = 0; i < 100; i++)
            await peer.PublishTextAsync("t.work.slow", $"s{i}");
        await peer.PublishTextAsync("t.work.fast", "f");

        // "slow" is full and nothing is taken from it: "fast" gets its message all the same.
        Assert.Equal("f", Brokers.TextOf(await fast.TakeAsync()));
        Assert.Equal(2, slow.Depth);
        for (var i = 0; i < 100; i++) Assert.Equal($"s{i}", Brokers.TextOf(await slow.TakeAsync()));
    }

    [Fact]
    public async Task HeadersArriveAsTheyWereSentWhateverTheirCharacters()
    {
        await using var host = await Inboxes.StartAsync(Server.Url);
        var options = new BrokerOptions();
        await using var sender = new NatsTransport(Options.Create(new NatsOptions { Url = Server.Url, SubjectPrefix = "t" }), Options.Create(options), new CapturedLogs());
        await sender.StartAsync(CancellationToken.None);
        var headers = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("who", "Zoë, 東京 ✓").Add("plain", "a b");

        await sender.SendAsync(new PluginHost.Sdk.Messaging.Message { Topic = "work.fast", Id = "h-1", Sender = "søren", Headers = headers, Payload = "x"u8.ToArray() }, CancellationToken.None);

        var received = (await host.Fast.TakeAsync()).Message;
        Assert.Equal(headers.OrderBy(h => h.Key), received.Headers.OrderBy(h => h.Key));
        Assert.Equal("søren", received.Sender);
        // A header name NATS cannot carry (printable ASCII only) is refused with the reason, never sent altered.
        var bad = await Assert.ThrowsAsync<PluginHost.Sdk.Messaging.MessageDeliveryException>(async () => await sender.SendAsync(
            new PluginHost.Sdk.Messaging.Message { Topic = "work.fast", Id = "h-2", Headers = headers.Clear().Add("naïve", "v") }, CancellationToken.None));
        Assert.Contains("'naïve'", bad.Message);
        await sender.StopAsync(CancellationToken.None);
    }

    /// <summary>A broker on the NATS transport (prefix <c>t</c>) with a slow inbox of 2 on work.slow and a roomy one on work.fast.</summary>
    private sealed class Inboxes : IAsyncDisposable
    {
        private readonly NatsTransport _transport;

        private Inboxes(NatsTransport transport, MessageBroker broker) => (_transport, Broker) = (transport, broker);

        public MessageBroker Broker { get; }

        public TestEndpoint Slow { get; } = new("slow", capacity: 2);

        public TestEndpoint Fast { get; } = new("fast", capacity: 64);

        public static async Task<Inboxes> StartAsync(string url)
        {
            var logs = new CapturedLogs();
            var options = new BrokerOptions { FullInboxMode = FullInboxMode.Wait, PublishTimeout = TimeSpan.FromSeconds(60) };
            var transport = new NatsTransport(Options.Create(new NatsOptions { Url = url, SubjectPrefix = "t" }), Options.Create(options), logs);
            var host = new Inboxes(transport, new MessageBroker(options, new Logger<MessageBroker>(logs), transport));
            host.Broker.Subscribe("work.slow", host.Slow);
            host.Broker.Subscribe("work.fast", host.Fast);
            await transport.StartAsync(CancellationToken.None);
            await WaitUntil(() => logs.Records.Any(r => r.Message.Contains("t.work.slow [slow]") && r.Message.Contains("t.work.fast [fast]")), "the subscriptions");
            return host;
        }

        public async ValueTask DisposeAsync()
        {
            await _transport.StopAsync(CancellationToken.None);
            Broker.Dispose();
            await _transport.DisposeAsync();
        }
    }
}
