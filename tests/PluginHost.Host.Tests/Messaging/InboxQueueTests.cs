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

    [Fact]
    public async Task TwoReadersAtOnceTakeEachItemOnce()
    {
        // One reader at a time in practice, but a stopped instance's leftovers are taken on another thread: the queue
        // must not hand one item to both, nor lose one, when that overlaps a drain.
        const int writers = 3, each = 40_000;
        var queue = new InboxQueue<int>(100);   // not a power of two: the ring is larger than the capacity
        var taken = new int[writers * each];
        var done = 0;
        var producers = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await queue.WriteAsync(w * each + i, CancellationToken.None);
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (Volatile.Read(ref done) < taken.Length)
            {
                Assert.InRange(queue.Count, 0, queue.Capacity);
                if (queue.TryRead(out var n))
                {
                    Interlocked.Increment(ref taken[n]);
                    Interlocked.Increment(ref done);
                }
            }
        })).ToArray();

        await Task.WhenAll(producers.Concat(readers)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(taken, n => Assert.Equal(1, n));
        Assert.False(queue.TryRead(out _));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void ACapacityNotAPowerOfTwoIsExact()
    {
        var queue = new InboxQueue<string>(5);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 5; i++)
                Assert.True(queue.TryWrite($"{round}.{i}"));
            Assert.False(queue.TryWrite("over"));
            Assert.Equal(5, queue.Count);
            for (var i = 0; i < 5; i++)
            {
                Assert.True(queue.TryRead(out var item));
                Assert.Equal($"{round}.{i}", item);
            }
            Assert.False(queue.TryRead(out _));
        }
    }

    [Fact]
    public void RefusesPastItsByteBoundButAnEmptyQueueTakesAnyOneItem()
    {
        var queue = new InboxQueue<int>(100, maxBytes: 1000);
        Assert.True(queue.TryWrite(1, 600) && queue.TryWrite(2, 400));
        Assert.False(queue.TryWrite(3, 1));           // 1000 waiting: no byte more
        Assert.Equal(1000, queue.Bytes);
        Assert.True(queue.TryRead(out _) && queue.TryRead(out _));
        Assert.Equal(0, queue.Bytes);
        Assert.True(queue.TryWrite(4, 5000));         // larger than the bound, but the queue was empty
        Assert.False(queue.TryWrite(5, 0));           // over the bound now: not even an empty payload
        Assert.True(queue.TryRead(out var big));
        Assert.Equal(4, big);
    }

    [Fact]
    public async Task AWriterWaitingForBytesIsReleasedOnceTheBytesHaveDrainedToHalfAndItFits()
    {
        var queue = new InboxQueue<int>(100, maxBytes: 1000);
        for (var i = 0; i < 10; i++)
            Assert.True(queue.TryWrite(i, 100));
        var writer = queue.WriteAsync(10, 300, CancellationToken.None).AsTask();

        for (var i = 0; i < 4; i++)
            Assert.True(queue.TryRead(out _));
        await Task.Delay(200);
        Assert.False(writer.IsCompleted);             // 600 waiting: above half, the writer still waits

        Assert.True(queue.TryRead(out _));            // 500: half, and 300 more fit
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(800, queue.Bytes);
    }

    [Fact]
    public async Task ALargeWriterWaitsUntilItFitsEvenBelowHalf()
    {
        var queue = new InboxQueue<int>(100, maxBytes: 1000);
        for (var i = 0; i < 9; i++)
            Assert.True(queue.TryWrite(i, 100));
        var writer = queue.WriteAsync(9, 900, CancellationToken.None).AsTask();

        for (var i = 0; i < 7; i++)
            Assert.True(queue.TryRead(out _));        // 200 waiting: drained, but 900 more do not fit
        await Task.Delay(200);
        Assert.False(writer.IsCompleted);

        Assert.True(queue.TryRead(out _));            // 100 + 900 fit
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1000, queue.Bytes);
    }

    [Fact]
    public async Task RaisingTheByteBoundReleasesWaitingWriters()
    {
        var queue = new InboxQueue<int>(100, maxBytes: 100);
        Assert.True(queue.TryWrite(1, 100));
        var writer = queue.WriteAsync(2, 100, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(writer.IsCompleted);

        queue.MaxBytes = 200;

        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, queue.Bytes);
    }

    [Fact]
    public async Task BytesInAndOutBalanceUnderManyWritersAndTwoReaders()
    {
        const int writers = 4, each = 20_000;
        var queue = new InboxQueue<int>(64, maxBytes: 64 * 50);
        var producers = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await queue.WriteAsync(i, i % 100, CancellationToken.None);
        })).ToArray();
        long read = 0, bytes = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (Interlocked.Read(ref read) < writers * each)
            {
                // Read while both sides move: never negative (an item's bytes go in before it can be taken).
                Assert.InRange(queue.Bytes, 0, long.MaxValue);
                if (queue.TryRead(out var n))
                {
                    Interlocked.Add(ref bytes, n % 100);
                    Interlocked.Increment(ref read);
                }
            }
        })).ToArray();

        await Task.WhenAll(producers.Concat(readers)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(writers * (long)Enumerable.Range(0, each).Sum(i => i % 100), bytes);
        Assert.Equal(0, queue.Bytes);
    }
}
