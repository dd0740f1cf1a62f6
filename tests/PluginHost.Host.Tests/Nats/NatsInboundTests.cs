using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Messaging.Nats;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Messaging;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// What arrives from NATS goes into inboxes on the client's reader thread: a full inbox holds back its own
/// subscription's messages, in order and none lost, and not the others'.
/// </summary>
public sealed class NatsInboundTests : NatsTestBase
{
    [Fact]
    public async Task AFullInboxHoldsItsMessagesInOrderWhileOtherSubscriptionsGoOn()
    {
        var logs = new CapturedLogs();
        var options = new BrokerOptions { FullInboxMode = FullInboxMode.Wait, PublishTimeout = TimeSpan.FromSeconds(60) };
        await using var transport = new NatsTransport(Options.Create(new NatsOptions { Url = Server.Url, SubjectPrefix = "t" }), Options.Create(options), logs);
        using var broker = new MessageBroker(options, new Logger<MessageBroker>(logs), transport);
        var slow = new TestEndpoint("slow", capacity: 2);
        var fast = new TestEndpoint("fast", capacity: 64);
        broker.Subscribe("work.slow", slow);
        broker.Subscribe("work.fast", fast);
        await transport.StartAsync(CancellationToken.None);
        await WaitUntil(() => logs.Records.Any(r => r.Message.Contains("t.work.slow [slow]") && r.Message.Contains("t.work.fast [fast]")), "the subscriptions");

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
        await transport.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WhileTheBacklogHasRoomOtherSubscriptionsAreNotHeldUp()
    {
        var logs = new CapturedLogs();
        var options = new BrokerOptions { FullInboxMode = FullInboxMode.Wait, PublishTimeout = TimeSpan.FromSeconds(60) };
        await using var transport = new NatsTransport(Options.Create(new NatsOptions { Url = Server.Url, SubjectPrefix = "t" }), Options.Create(options), logs);
        using var broker = new MessageBroker(options, new Logger<MessageBroker>(logs), transport);
        var slow = new TestEndpoint("slow", capacity: 2);
        var fast = new TestEndpoint("fast", capacity: 64);
        broker.Subscribe("work.slow", slow);
        broker.Subscribe("work.fast", fast);
        await transport.StartAsync(CancellationToken.None);
        await WaitUntil(() => logs.Records.Any(r => r.Message.Contains("t.work.slow [slow]") && r.Message.Contains("t.work.fast [fast]")), "the subscriptions");

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        for (var i = 0; i < 100; i++)
            await peer.PublishTextAsync("t.work.slow", $"s{i}");
        await peer.PublishTextAsync("t.work.fast", "f");

        // "slow" is full and nothing is taken from it: "fast" gets its message all the same.
        Assert.Equal("f", Brokers.TextOf(await fast.TakeAsync()));
        Assert.Equal(2, slow.Depth);
        for (var i = 0; i < 100; i++) Assert.Equal($"s{i}", Brokers.TextOf(await slow.TakeAsync()));
        await transport.StopAsync(CancellationToken.None);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen");
            await Task.Delay(20);
        }
    }
}
