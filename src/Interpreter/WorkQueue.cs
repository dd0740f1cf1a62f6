using System.Collections.Concurrent;
using System.Diagnostics;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// An interpreter thread's queue of work: many writers, one reader (the owner thread). A writer wakes the reader
/// directly, and only when it sleeps. (A channel's <c>WaitToReadAsync</c> completed the waiter through the thread
/// pool: every wake-up of an idle interpreter cost a second thread hand-off, a third of a request's round trip.)
/// </summary>
internal sealed class WorkQueue
{
    // Before sleeping the owner spins (pause instructions, and a yield only every 20 µs: a yield can hand a loaded core
    // to another process for a whole time slice, but pure spinning holds off a writer woken onto this core), so work
    // that arrives within microseconds — the next message, a request's reply — is picked up without a kernel
    // wake-up. Then the event's own short spin, then sleep.
    private const int SpinCount = 16;
    private readonly SpinBudget _spin = new(TimeSpan.FromMicroseconds(50));

    private readonly ConcurrentQueue<WorkItem> _items = new();
    // Never disposed: it holds no kernel object unless its WaitHandle is read, and a late writer may still Set it.
    private readonly ManualResetEventSlim _signal = new(false, SpinCount);
    private int _sleeping;
    private int _writers;
    private volatile bool _completing;
    private volatile bool _closed;
    private int _wakeFd = -1;

    /// <summary>Queues <paramref name="item"/>; false once <see cref="Complete"/> has been called.</summary>
    public bool TryAdd(WorkItem item)
    {
        // Counted in before checking, so Complete can wait out writers that passed the check (none is left behind).
        Interlocked.Increment(ref _writers);
        try
        {
            if (_completing)
                return false;
            _items.Enqueue(item);   // a full fence, so the read of _sleeping below cannot move before it
        }
        finally
        {
            Interlocked.Decrement(ref _writers);
        }
        if (Volatile.Read(ref _sleeping) != 0)
            _signal.Set();
        if (Volatile.Read(ref _wakeFd) is >= 0 and var fd)
            LibC.SendByte(fd);   // the owner runs the plugin's event loop (PumpingOn): end its wait
        return true;
    }

    public bool IsEmpty => _items.IsEmpty;

    /// <summary>
    /// The owner is about to run its interpreter's event loop, which a byte written to <paramref name="wakeFd"/> ends:
    /// from now on every item added writes one. False (and nothing set) when work is already queued.
    /// </summary>
    public bool PumpingOn(int wakeFd)
    {
        Interlocked.Exchange(ref _wakeFd, wakeFd);   // a full fence: a writer either sees it or its item is seen below
        if (_items.IsEmpty && !_closed)
            return true;
        Volatile.Write(ref _wakeFd, -1);
        return false;
    }

    public void PumpingOff() => Volatile.Write(ref _wakeFd, -1);

    public bool TryTake(out WorkItem item) => _items.TryDequeue(out item!);

    /// <summary>
    /// Blocks the reader until an item is queued (true) or the queue is completed and empty (false). Only the owner
    /// thread calls it.
    /// </summary>
    public bool WaitForWork()
    {
        var start = Stopwatch.GetTimestamp();
        var ready = (_spin.Until(static q => !q._items.IsEmpty || q._closed, this, start) && !_items.IsEmpty) || WaitForWorkSlow();
        _spin.Waited(start);
        return ready;
    }

    private bool WaitForWorkSlow()
    {
        while (true)
        {
            if (!_items.IsEmpty)
                return true;
            if (_closed)
                return !_items.IsEmpty;
            _signal.Reset();
            Interlocked.Exchange(ref _sleeping, 1);   // a full fence: a writer either sees it or its item is seen below
            if (_items.IsEmpty && !_closed)
                _signal.Wait();
            Volatile.Write(ref _sleeping, 0);
        }
    }

    /// <summary>Refuses new items; once every writer in flight has finished, the reader wakes to drain what is left.</summary>
    public void Complete()
    {
        _completing = true;
        Interlocked.MemoryBarrier();
        var spin = new SpinWait();
        while (Volatile.Read(ref _writers) != 0)
            spin.SpinOnce();
        _closed = true;
        _signal.Set();
    }
}
