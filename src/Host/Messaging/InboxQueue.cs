namespace PluginHost.Host.Messaging;

/// <summary>
/// A bounded many-writer, one-reader queue for an inbox. Unlike a bounded channel (which wakes one waiting writer per
/// item read, through the thread pool), writers that found it full wait until it has drained to half its capacity and
/// are then released together: a fast publisher facing a slower subscriber wakes once per half inbox, not once per
/// message, and the two cores stay with the interpreters. Adding and taking are lock-free; the lock guards only the
/// list of waiting writers.
/// </summary>
internal sealed class InboxQueue<T>(int capacity)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<T> _items = new();
    private readonly int _lowWater = Math.Max(0, capacity / 2);
    private readonly Lock _gate = new();
    private List<TaskCompletionSource>? _waiting;
    private int _count;
    private volatile bool _closed;

    public int Count => Volatile.Read(ref _count);

    public int Capacity => capacity;

    /// <summary>False when full or closed.</summary>
    public bool TryWrite(T item)
    {
        if (_closed)
            return false;
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        _items.Enqueue(item);
        return true;
    }

    /// <summary>Waits for room (released at half capacity); throws <see cref="InvalidOperationException"/> once closed.</summary>
    public async ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        while (!TryWrite(item))
        {
            if (_closed)
                throw new InvalidOperationException("the inbox is closed");
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
                (_waiting ??= []).Add(room);
            // Registered, then re-checked behind a full fence; the reader decrements, then looks for waiters. One of
            // the two sees the other, so a writer is never left waiting on a queue that has already drained.
            Interlocked.MemoryBarrier();
            if (Count <= _lowWater || _closed)
                ReleaseWaiting();
            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The reader only.</summary>
    public bool TryRead(out T item)
    {
        if (!_items.TryDequeue(out item!))
            return false;
        if (Interlocked.Decrement(ref _count) <= _lowWater && Volatile.Read(ref _waiting) is not null)
            ReleaseWaiting();
        return true;
    }

    /// <summary>No more writes; waiting writers fail, items already queued can still be read.</summary>
    public void Close()
    {
        _closed = true;
        ReleaseWaiting();
    }

    private void ReleaseWaiting()
    {
        List<TaskCompletionSource>? waiting;
        lock (_gate)
        {
            waiting = _waiting;
            _waiting = null;
        }
        if (waiting is null)
            return;
        foreach (var room in waiting)
            room.TrySetResult();
    }
}
