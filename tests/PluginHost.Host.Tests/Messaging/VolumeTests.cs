using System.Buffers.Binary;
using System.Diagnostics;
using PluginHost.Sdk.Messaging;
using Xunit.Abstractions;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class VolumeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OrderIsKeptPerPublisherAndTopicForOneReceiver()
    {
        const int count = 100_000;
        using var broker = Create();
        var next = 0;
        var outOfOrder = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = broker.Subscribe("seq.*", (m, _) =>
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(m.Payload.Span) != next) outOfOrder++;
            if (++next == count) done.SetResult();
            return ValueTask.FromResult<Message?>(null);
        });

        for (var i = 0; i < count; i++) await broker.PublishAsync(Numbered("seq.a", i));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, outOfOrder);
    }

    [Fact]
    public async Task AMillionMessagesArriveExactlyOnce()
    {
        const int count = 1_000_000;
        using var broker = Create();
        var seen = new bool[count];
        var duplicates = 0;
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = broker.Subscribe("load.>", (m, _) =>
        {
            var n = BinaryPrimitives.ReadInt32LittleEndian(m.Payload.Span);
            if (seen[n]) duplicates++;
            seen[n] = true;
            if (++received == count) done.SetResult();
            return ValueTask.FromResult<Message?>(null);
        });
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < count; i++) await broker.PublishAsync(Numbered("load.test", i));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"{count:N0} messages in {clock.Elapsed.TotalSeconds:F2} s ({count / clock.Elapsed.TotalSeconds:N0}/s)");
        Assert.Equal(0, duplicates);
        Assert.DoesNotContain(false, seen);
        var stats = broker.Snapshot().For("host#1");
        Assert.Equal((count, count, 0L), (stats.Received, stats.Handled, stats.Dropped));
    }

    private static Message Numbered(string topic, int n)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, n);
        return new Message { Topic = topic, Payload = payload };
    }
}
