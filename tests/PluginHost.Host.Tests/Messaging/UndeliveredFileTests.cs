using System.Text;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class UndeliveredFileTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"pluginhost-undelivered-{Guid.NewGuid():N}", "undelivered.jsonl");

    public void Dispose()
    {
        if (Directory.Exists(Path.GetDirectoryName(_file)))
            Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);
    }

    [Fact]
    public async Task RefusedMessagesAreWrittenWithReasonAndPayload()
    {
        using (var broker = Create(new BrokerOptions { InboxCapacity = 2, FullInboxMode = FullInboxMode.Fail, UndeliveredFile = _file }))
        {
            var sink = new TestEndpoint("sink", capacity: 2);
            using var _ = broker.Subscribe("data", sink);
            for (var i = 0; i < 5; i++)
            {
                try
                {
                    await broker.PublishAsync(new Message { Topic = "data", Payload = Encoding.UTF8.GetBytes($"m{i}"), Headers = new Dictionary<string, string> { ["k"] = "v" } });
                }
                catch (MessageDeliveryException)
                {
                    // refused: expected for the last three
                }
            }
            Assert.Equal(3, broker.Snapshot().For("sink").Dropped);
        }

        var records = File.ReadAllLines(_file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["m2", "m3", "m4"], records.Select(r => Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("payload").GetString()!))));
        Assert.All(records, r =>
        {
            Assert.Equal("sink/0", r.GetProperty("receiver").GetString());
            Assert.Contains("is full", r.GetProperty("reason").GetString());
            Assert.Equal("data", r.GetProperty("topic").GetString());
            Assert.Equal("v", r.GetProperty("headers").GetProperty("k").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("id").GetString()));
        });
    }

    [Fact]
    public async Task ADeadLetterNobodyReceivesIsWritten()
    {
        using (var broker = Create(new BrokerOptions { MaxRetries = 0, UndeliveredFile = _file }))
        {
            var sink = new TestEndpoint("sink");
            using var _ = broker.Subscribe("jobs", sink);
            await broker.PublishAsync(Text("jobs", "job-1"));
            broker.Failed(await sink.TakeAsync(), "boom");
        }

        var record = JsonDocument.Parse(File.ReadAllLines(_file).Single()).RootElement;
        Assert.Equal("pluginhost.deadletter", record.GetProperty("topic").GetString());
        Assert.Contains("boom", record.GetProperty("reason").GetString());
        Assert.Equal("job-1", Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("payload").GetString()!)));
    }

    [Fact]
    public async Task AFullDiskIsLoggedOnceAndEveryRecordNotWrittenIsCounted()
    {
        var logs = new Lifecycle.CapturedLogs();
        using var broker = Create(new BrokerOptions { InboxCapacity = 2, FullInboxMode = FullInboxMode.Fail, UndeliveredFile = "/dev/full" }, logs);
        var sink = new TestEndpoint("sink", capacity: 2);
        using var _ = broker.Subscribe("data", sink);

        var refused = 0;
        for (var i = 0; i < 5; i++)
        {
            try
            {
                await broker.PublishAsync(Text("data", $"m{i}"));
            }
            catch (MessageDeliveryException)
            {
                refused++;   // the caller hears of the refusal, not of the file
            }
        }

        Assert.Equal(3, refused);

        Assert.Equal(3, broker.Snapshot().For("sink").Dropped);
        Assert.Equal(3, broker.Undelivered!.NotWritten);
        Assert.Single(logs.Records, r => r.EventId == LogEvents.UndeliveredWriteFailed);
        Assert.Contains("space", broker.Undelivered.FirstError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AFileThatCannotBeOpenedDoesNotStopTheBroker()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        File.WriteAllText(_file, "");
        var logs = new Lifecycle.CapturedLogs();
        using var broker = Create(new BrokerOptions { MaxRetries = 0, UndeliveredFile = Path.Combine(_file, "under-a-file.jsonl") }, logs);
        var sink = new TestEndpoint("sink");
        using var _ = broker.Subscribe("jobs", sink);

        await broker.PublishAsync(Text("jobs", "job-1"));
        broker.Failed(await sink.TakeAsync(), "boom");
        await broker.PublishAsync(Text("jobs", "job-2"));
        broker.Failed(await sink.TakeAsync(), "boom");

        Assert.Equal(2, broker.Snapshot().For("sink").DeadLettered);
        Assert.Equal(2, broker.Undelivered!.NotWritten);
        Assert.Single(logs.Records, r => r.EventId == LogEvents.UndeliveredFileUnusable);
        Assert.DoesNotContain(logs.Records, r => r.EventId == LogEvents.UndeliveredWriteFailed);
    }
}
