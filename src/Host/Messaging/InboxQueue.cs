namespace PluginHost.Host.Messaging;

/// <summary>
/// A bounded many-writer, one-reader queue for an inbox. Unlike a bounded channel (which wakes one waiting writer per
/// item read, through the thread pool), writers that found it full wait until it has drained to half its capacity and
/// are then released together: a fast publisher facing a slower subscriber wakes once per half inbox, not once per
/// message, and the two cores stay with the interpreters. Adding and taking are lock-free; the lock guards only the
/// list of waiting writers.
/// <para>
/// The depth is two counters, not one: writers count what they add and readers what they take, each on a cache line
/// of its own, and writers look at the readers' count only when their last look said full. A shared count written
/// from both sides moved a cache line between the cores on every message.
/// </para>
/// </summary>
internal sealed class InboxQueue<T>(int capacity)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<T> _items = new();
    private readonly int _lowWater = Math.Max(0, capacity / 2);
    private readonly Lock _gate = new();
    private List<TaskCompletionSource>? _waiting;
    private volatile bool _closed;
    private PaddedLong _written;    // writers: places taken (one given back when that finds the queue full)
    private PaddedLong _read;       // readers: items taken
    private PaddedLong _readSeen;   // writers: _read as last looked at; behind it at worst, so full is checked again

    public int Count => (int)Math.Max(0, Volatile.Read(ref _written.Value) - Volatile.Read(ref _read.Value));

    public int Capacity => capacity;

    /// <summary>False when full or closed.</summary>
    public bool TryWrite(T item)
    {
        if (_closed)
            return false;
        var written = Interlocked.Increment(ref _written.Value);
        if (written - Volatile.Read(ref _readSeen.Value) > capacity)
        {
            var read = Volatile.Read(ref _read.Value);
            Volatile.Write(ref _readSeen.Value, read);
            if (written - read > capacity)
            {
                Interlocked.Decrement(ref _written.Value);
                return false;
            }
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
            // Registered, then re-checked behind a full fence; the reader counts what it took, then looks for waiters.
            // One of the two sees the other, so a writer is never left waiting on a queue that has already drained.
            Interlocked.MemoryBarrier();
            if (Count <= _lowWater || _closed)
                ReleaseWaiting();
            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The reader (one at a time).</summary>
    public bool TryRead(out T item)
    {
        if (!_items.TryDequeue(out item!))
            return false;
        // Interlocked although there is one reader at a time: a stopped instance's leftovers are taken on another thread.
        Interlocked.Increment(ref _read.Value);
        if (Volatile.Read(ref _waiting) is not null && Count <= _lowWater)
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
