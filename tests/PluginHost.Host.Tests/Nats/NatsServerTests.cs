using System.Text;
using NATS.Client.Core;

namespace PluginHost.Host.Tests.Nats;

/// <summary>The test fixture itself: a real nats-server of our own, reachable, killable, restartable on its port.</summary>
public sealed class NatsServerTests
{
    [Fact]
    public async Task StartsOnAFreeLoopbackPortCarriesMessagesAndComesBackAfterAKill()
    {
        using var server = NatsServer.Start(jetStream: true);
        Assert.True(server.Port > 0);
        await using (var peer = await NatsPeer.ConnectAsync(server.Url))
        {
            await peer.CollectAsync("fixture.>");
            await peer.Connection.PublishAsync("fixture.ping", Encoding.UTF8.GetBytes("pong"));
            await peer.WaitForAsync(seen => seen.Any(s => s.Text == "pong"), TimeSpan.FromSeconds(10), "the round trip");
            Assert.Contains("JetStream", server.Output, StringComparison.OrdinalIgnoreCase);
        }

        server.Kill();
        Assert.False(server.IsRunning);
        await using var refused = new NatsConnection(NatsOpts.Default with { Url = server.Url, ConnectTimeout = TimeSpan.FromSeconds(1) });
        await Assert.ThrowsAnyAsync<Exception>(async () => await refused.ConnectAsync());

        server.Restart();
        await using var again = await NatsPeer.ConnectAsync(server.Url);
        Assert.Equal(NatsConnectionState.Open, again.Connection.ConnectionState);
    }

    [Fact]
    public void AMissingServerFailsSayingHowToInstallIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => NatsServer.Executable(searchPath: "/nonexistent"));
        Assert.Contains("apt-get install nats-server", error.Message);
        Assert.Contains(".ci/run", error.Message);
    }
}
