using System.Text;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>An undelivered-message file that cannot be written never breaks a plugin's stop or its counts.</summary>
[Collection(PythonCollection.Name)]
public sealed class UndeliveredWriteFailureTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AFullDiskAtStopStillCountsEveryMessageAndLogsOnce()
    {
        var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.BrokerOptions.UndeliveredFile = "/dev/full";   // every write fails with ENOSPC
        harness.Plugin("quitter", """
            import sys, pluginhost
            @pluginhost.on("work")
            def handle(message):
                sys.exit(0)                  # a clean stop: what is still queued is not handled
            """);
        await harness.StartAsync();
        for (var i = 0; i < 20; i++)
            await harness.Broker.PublishAsync(new Message { Topic = "work", Payload = Encoding.UTF8.GetBytes(i.ToString()), ContentType = ContentTypes.Json });
        await Until(() => harness.Status("quitter").State == PluginState.Stopped, 20);

        await harness.DisposeAsync();

        var stats = harness.Broker.Snapshot().For("quitter");
        Assert.Equal((1L, 19L), (stats.DeadLettered, stats.Dropped));
        Assert.Equal(20, harness.Broker.Undelivered!.NotWritten);
        Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.UndeliveredWriteFailed);
        Assert.Contains("19 messages not handled; they were counted as dropped; 0 written to /dev/full, 19 could not be written there",
            Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.UndeliveredAtStop).Message);
    }
}
