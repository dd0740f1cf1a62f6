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
/// to a power of two (24 bytes a place).
/// </para>
/// <para>
/// It also bounds the bytes its items stand for (a message's payload): an item that would take the waiting bytes past
/// <see cref="MaxBytes"/> is refused like one that finds the ring full, except by an empty queue (one item always
/// fits, so a bound below an item's size cannot block it for ever; writers that check at the same moment may each pass
/// it by one item). Writers add an item's bytes beside the tail they already write and the reader subtracts them
/// beside the head, so this costs one atomic add per side and no lock; waiting writers are released once both the
/// count and the bytes have drained to half.
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
    private long _maxBytes;
    private PaddedPosition _tail;       // writers: the next place to fill, and the bytes ever written
    private PaddedPosition _head;       // the reader: the next place to take, and the bytes ever taken
    private PaddedPosition _headSeen;   // writers: _head as last looked at; behind it at worst, so full is checked again

    public InboxQueue(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 0);
        _capacity = capacity;
        _maxBytes = maxBytes;
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
        public long Bytes;
    }

    public int Count => (int)Math.Clamp(Volatile.Read(ref _tail.Position) - Volatile.Read(ref _head.Position), 0, _capacity);

    public int Capacity => _capacity;

    /// <summary>The bytes of the items waiting (written and not yet read).</summary>
    public long Bytes
    {
        get
        {
            // Taken first: both only grow, and an item's bytes are added before it can be read, so this is never negative.
            var taken = Volatile.Read(ref _head.Bytes);
            return Volatile.Read(ref _tail.Bytes) - taken;
        }
    }

    /// <summary>The most bytes waiting items may stand for (one item always fits into an empty queue). Raising it releases waiting writers.</summary>
    public long MaxBytes
    {
        get => Volatile.Read(ref _maxBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            var before = Interlocked.Exchange(ref _maxBytes, value);
            if (value > before)
                ReleaseWaiting();
        }
    }

    /// <summary>
    /// Why an item of <paramref name="bytes"/> does not fit, worded for a refusal, when it is the bytes (the bound set
    /// by <paramref name="boundKey"/>); null when they fit (it is the count).
    /// </summary>
    public string? BytesFullReason(long bytes, string boundKey)
    {
        var waiting = Bytes;
        return Count > 0 && waiting > MaxBytes - bytes
            ? $"its inbox holds {Size(waiting)} of payloads, and this one's {Size(bytes)} would take it past its bound of {Size(MaxBytes)} ({boundKey})"
            : null;
    }

    private static string Size(long bytes) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");

    /// <summary>False when full (by count or by bytes) or closed.</summary>
    public bool TryWrite(T item, long bytes = 0)
    {
        while (!_closed)
        {
            var tail = Volatile.Read(ref _tail.Position);
            if (tail - Volatile.Read(ref _headSeen.Position) >= _capacity || !Fits(tail, bytes, ref _headSeen))
            {
                var head = Volatile.Read(ref _head.Position);
                Volatile.Write(ref _headSeen.Bytes, Volatile.Read(ref _head.Bytes));
                Volatile.Write(ref _headSeen.Position, head);
                if (tail - head >= _capacity || !Fits(tail, bytes, ref _head))
                    return false;
            }

            ref var slot = ref _slots[tail & _mask];
            var sequence = Volatile.Read(ref slot.Sequence);
            if (sequence == tail)
            {
                if (Interlocked.CompareExchange(ref _tail.Position, tail + 1, tail) != tail)
                    continue;   // another writer took this place
                slot.Item = item;
                slot.Bytes = bytes;
                // Before the item can be read, so the bytes waiting are never negative.
                Interlocked.Add(ref _tail.Bytes, bytes);
                Volatile.Write(ref slot.Sequence, tail + 1);
                return true;
            }
            if (sequence < tail)
            {
                // What was here a lap ago: full, unless a reader has moved the head and is just finishing its take.
                if (tail - Volatile.Read(ref _head.Position) >= _capacity)
                    return false;
                Thread.SpinWait(1);
            }
        }
        return false;
    }

    /// <summary>
    /// Waits for room (released once count and bytes have drained to half); throws
    /// <see cref="InvalidOperationException"/> once closed.
    /// </summary>
    public ValueTask WriteAsync(T item, CancellationToken cancellationToken) => WriteAsync(item, 0, cancellationToken);

    /// <inheritdoc cref="WriteAsync(T, CancellationToken)"/>
    public async ValueTask WriteAsync(T item, long bytes, CancellationToken cancellationToken)
    {
        while (!TryWrite(item, bytes))
        {
            if (_closed)
                throw new InvalidOperationException("the inbox is closed");
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
                (_waiting ??= []).Add(room);
            // Registered, then re-checked behind a full fence; the reader moves the head, then looks for waiters.
            // One of the two sees the other, so a writer is never left waiting on a queue that has already drained.
            // (Drained but still without room for this item's bytes: the reader's next take releases it again.)
            Interlocked.MemoryBarrier();
            if ((Drained && Fits(Volatile.Read(ref _tail.Position), bytes, ref _head)) || _closed)
                ReleaseWaiting();
            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="bytes"/> more fit beside what waits, as seen from <paramref name="head"/>; always into an empty queue.</summary>
    private bool Fits(long tail, long bytes, ref PaddedPosition head) =>
        tail == Volatile.Read(ref head.Position)
        || Volatile.Read(ref _tail.Bytes) - Volatile.Read(ref head.Bytes) <= Volatile.Read(ref _maxBytes) - bytes;

    /// <summary>Count and bytes both at half their bounds or below: waiting writers may go again.</summary>
    private bool Drained => Count <= _lowWater && Bytes <= Volatile.Read(ref _maxBytes) / 2;

    /// <summary>
    /// Takes the oldest item; false when empty (or its writer is still filling it: it schedules another read after).
    /// Safe from several threads, though one reads at a time in practice (a stopped instance's leftovers are taken on
    /// another thread).
    /// </summary>
    public bool TryRead(out T item)
    {
        while (true)
        {
            var head = Volatile.Read(ref _head.Position);
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
            if (Interlocked.CompareExchange(ref _head.Position, head + 1, head) != head)
                continue;
            item = slot.Item;
            slot.Item = default!;
            Interlocked.Add(ref _head.Bytes, slot.Bytes);
            Volatile.Write(ref slot.Sequence, head + _slots.Length);
            if (Volatile.Read(ref _waiting) is not null && Drained)
                ReleaseWaiting();
            return true;
        }
    }

    public bool IsClosed => _closed;

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

/// <summary>A queue position and a byte total, alone on their cache line (64 bytes each side): the writers' tail, the reader's head.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 144)]
internal struct PaddedPosition
{
    [System.Runtime.InteropServices.FieldOffset(64)]
    public long Position;

    [System.Runtime.InteropServices.FieldOffset(72)]
    public long Bytes;
}
