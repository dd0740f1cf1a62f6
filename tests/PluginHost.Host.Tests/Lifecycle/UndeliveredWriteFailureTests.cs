namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>An undelivered-message file that cannot be written never breaks a plugin's stop or its counts.</summary>
[Collection(PythonCollection.Name)]
public sealed class UndeliveredWriteFailureTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AFullDiskAtStopStillCountsEveryMessageAndLogsOnce()
    {
        var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.UndeliveredFile = "/dev/full";   // every write fails with ENOSPC
        await QuitterPlugin.StopWithQueuedMessagesAsync(harness);

        await harness.DisposeAsync();

        var stats = harness.Broker.Snapshot().For("quitter");
        Assert.Equal((1L, 19L), (stats.DeadLettered, stats.Dropped));
        Assert.Equal(20, harness.Broker.Undelivered!.NotWritten);
        Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.UndeliveredWriteFailed);
        Assert.Contains("19 messages not handled; they were counted as dropped; 0 written to /dev/full, 19 could not be written there",
            Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.UndeliveredAtStop).Message);
    }
}
