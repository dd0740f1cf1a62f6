namespace PluginHost.Host.Messaging;

/// <summary>
/// A bounded many-writer queue for an inbox, read by one reader at a time. Unlike a bounded channel (which wakes one
/// waiting writer per item read, through the thread pool), writers that found it full wait until it has drained to
/// half its capacity and are then released together: a fast publisher facing a slower subscriber wakes once per half
/// inbox, not once per message, and the two cores stay with the interpreters. The lock guards only the list of
/// waiting writers.
/// <para>
/// Adding and taking are lock-free: a ring of places, each with a sequence number saying whose turn it is (Dmitry
/// Vyukov's bounded queue). A writer claims a place with one compare-and-swap on the tail, the reader with one on the
/// head, each on a cache line of its own; the depth is their difference, so nothing else is counted per message.
/// Writers look at the head only when their last look said full. The ring is allocated at the capacity rounded up
/// to a power of two (16 bytes a place).
/// </para>
/// </summary>
internal sealed class InboxQueue<T>
{
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly int _capacity;
    private readonly int _lowWater;
    private readonly Lock _gate = new();
    private List<TaskCompletionSource>? _waiting;
    private volatile bool _closed;
    private PaddedLong _tail;       // writers: the next place to fill
    private PaddedLong _head;       // the reader: the next place to take
    private PaddedLong _headSeen;   // writers: _head as last looked at; behind it at worst, so full is checked again

    public InboxQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _lowWater = capacity / 2;
        _slots = new Slot[Math.Max(2, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity))];
        _mask = _slots.Length - 1;
        for (var i = 0; i < _slots.Length; i++)
            _slots[i].Sequence = i;
    }

    // Sequence == position: free for the writer at that position; position + 1: filled, for the reader.
    private struct Slot
    {
        public T Item;
        public long Sequence;
    }

    public int Count => (int)Math.Clamp(Volatile.Read(ref _tail.Value) - Volatile.Read(ref _head.Value), 0, _capacity);

    public int Capacity => _capacity;

    /// <summary>False when full or closed.</summary>
    public bool TryWrite(T item)
    {
        while (!_closed)
        {
            var tail = Volatile.Read(ref _tail.Value);
            if (tail - Volatile.Read(ref _headSeen.Value) >= _capacity)
            {
                var head = Volatile.Read(ref _head.Value);
                Volatile.Write(ref _headSeen.Value, head);
                if (tail - head >= _capacity)
                    return false;
            }

            ref var slot = ref _slots[tail & _mask];
            var sequence = Volatile.Read(ref slot.Sequence);
            if (sequence == tail)
            {
                if (Interlocked.CompareExchange(ref _tail.Value, tail + 1, tail) != tail)
                    continue;   // another writer took this place
                slot.Item = item;
                Volatile.Write(ref slot.Sequence, tail + 1);
                return true;
            }
            if (sequence < tail)
            {
                // What was here a lap ago: full, unless a reader has moved the head and is just finishing its take.
                if (tail - Volatile.Read(ref _head.Value) >= _capacity)
                    return false;
                Thread.SpinWait(1);
            }
        }
        return false;
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
            // Registered, then re-checked behind a full fence; the reader moves the head, then looks for waiters.
            // One of the two sees the other, so a writer is never left waiting on a queue that has already drained.
            Interlocked.MemoryBarrier();
            if (Count <= _lowWater || _closed)
                ReleaseWaiting();
            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the oldest item; false when empty (or its writer is still filling it: it schedules another read after).
    /// Safe from several threads, though one reads at a time in practice (a stopped instance's leftovers are taken on
    /// another thread).
    /// </summary>
    public bool TryRead(out T item)
    {
        while (true)
        {
            var head = Volatile.Read(ref _head.Value);
            ref var slot = ref _slots[head & _mask];
            var sequence = Volatile.Read(ref slot.Sequence);
            if (sequence != head + 1)
            {
                if (sequence < head + 1)
                {
                    item = default!;
                    return false;
                }
                continue;   // another reader took it
            }
            if (Interlocked.CompareExchange(ref _head.Value, head + 1, head) != head)
                continue;
            item = slot.Item;
            slot.Item = default!;
            Volatile.Write(ref slot.Sequence, head + _slots.Length);
            if (Volatile.Read(ref _waiting) is not null && Count <= _lowWater)
                ReleaseWaiting();
            return true;
        }
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
