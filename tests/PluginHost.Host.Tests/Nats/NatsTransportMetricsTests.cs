using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging.Nats;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Nats;

/// <summary>The transport in this process on a real server: what it sends and fails to send is on its meter.</summary>
public sealed class NatsTransportMetricsTests : NatsTestBase
{
    [Fact]
    public async Task SentAndNotSentAreCountedOnTheMeter()
    {
        var broker = new BrokerOptions { FullInboxMode = FullInboxMode.Fail };
        await using var transport = new NatsTransport(Options.Create(new NatsOptions { Url = Server.Url }), Options.Create(broker), NullLoggerFactory.Instance);
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This transport's meter only: other tests' transports in this process count on meters of the same name.
            if (instrument.Meter == transport.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts) counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
        });
        listener.Start();

        await transport.StartAsync(CancellationToken.None);
        var message = new Message { Topic = "t.one", Id = "m1", Payload = new byte[64] };
        await transport.SendAsync(message, CancellationToken.None);

        // Over the server's max_payload (1 MiB by default): refused here, with the sizes.
        var tooBig = Assert.Throws<MessageDeliveryException>(() => transport.SendAsync(message with { Payload = new byte[2 << 20] }, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        Assert.Contains("max_payload", tooBig.Message);

        // The server gone, FullInboxMode Fail: not held, failed at once.
        Server.Kill();
        await WaitUntil(() => !transport.IsConnected, "the transport noticing the server is gone");
        var down = await Assert.ThrowsAsync<MessageDeliveryException>(async () => await transport.SendAsync(message, CancellationToken.None));
        Assert.Contains("is not connected", down.Message);

        await transport.StopAsync(CancellationToken.None);
        lock (counts)
        {
            Assert.Equal(1, counts.GetValueOrDefault("pluginhost.nats.sent"));
            Assert.Equal(2, counts.GetValueOrDefault("pluginhost.nats.failed"));
        }
    }
}
