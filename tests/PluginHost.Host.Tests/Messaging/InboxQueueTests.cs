using PluginHost.Host.Messaging;

namespace PluginHost.Host.Tests.Messaging;

public sealed class InboxQueueTests
{
    [Fact]
    public void RefusesPastCapacityAndReadsInOrder()
    {
        var queue = new InboxQueue<int>(3);
        Assert.True(queue.TryWrite(1) && queue.TryWrite(2) && queue.TryWrite(3));
        Assert.False(queue.TryWrite(4));
        Assert.Equal(3, queue.Count);
        Assert.True(queue.TryRead(out var a));
        Assert.True(queue.TryRead(out var b));
        Assert.Equal((1, 2), (a, b));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task AWaitingWriterIsReleasedOnlyOnceTheQueueHasDrainedToHalf()
    {
        var queue = new InboxQueue<int>(8);
        for (var i = 0; i < 8; i++)
            Assert.True(queue.TryWrite(i));
        var writer = queue.WriteAsync(8, CancellationToken.None).AsTask();

        for (var i = 0; i < 3; i++)
            Assert.True(queue.TryRead(out _));
        await Task.Delay(200);
        Assert.False(writer.IsCompleted);      // 5 left: above half, the writer still waits

        Assert.True(queue.TryRead(out _));     // 4 left: half
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, queue.Count);
    }

    [Fact]
    public async Task ACapacityOfOneReleasesTheWriterWhenEmptied()
    {
        var queue = new InboxQueue<int>(1);
        Assert.True(queue.TryWrite(1));
        var writer = queue.WriteAsync(2, CancellationToken.None).AsTask();
        Assert.True(queue.TryRead(out var first));
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(queue.TryRead(out var second));
        Assert.Equal((1, 2), (first, second));
    }

    [Fact]
    public async Task ClosingFailsWaitingWritersButKeepsWhatIsQueued()
    {
        var queue = new InboxQueue<int>(1);
        Assert.True(queue.TryWrite(1));
        var writer = queue.WriteAsync(2, CancellationToken.None).AsTask();

        queue.Close();

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => writer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(queue.TryWrite(3));
        Assert.True(queue.TryRead(out var left));
        Assert.Equal(1, left);
    }

    [Fact]
    public async Task CancellingAWaitStopsIt()
    {
        var queue = new InboxQueue<int>(1);
        Assert.True(queue.TryWrite(1));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.WriteAsync(2, cancel.Token).AsTask());
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task ManyWritersOneReaderLoseNothing()
    {
        const int writers = 4, each = 50_000;
        var queue = new InboxQueue<int>(64);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await queue.WriteAsync(w * each + i, CancellationToken.None);
        })).ToArray();
        var seen = new bool[writers * each];
        var read = 0;
        var lastPerWriter = Enumerable.Repeat(-1, writers).ToArray();
        var outOfOrder = 0;
        while (read < seen.Length)
        {
            if (!queue.TryRead(out var n))
            {
                Thread.Yield();
                continue;
            }
            seen[n] = true;
            read++;
            var (w, i) = (n / each, n % each);
            if (i <= lastPerWriter[w]) outOfOrder++;
            lastPerWriter[w] = i;
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(false, seen);
        Assert.Equal(0, outOfOrder);
        Assert.Equal(0, queue.Count);
    }
}
