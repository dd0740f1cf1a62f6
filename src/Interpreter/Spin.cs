using System.Diagnostics;

namespace PluginHost.Interpreter;

/// <summary>
/// Bounded, self-tuning busy-waiting for hand-offs between threads that usually take microseconds (a request's
/// reply, the next message). Spinning saves a kernel wake-up (several microseconds on a VM) when the other side
/// answers soon; when it does not, it only burns a core. So the waiter records how long its waits really took
/// (<see cref="Waited"/>) and spins for twice the recent typical wait, between half the limit and the limit — not at
/// all once waits are typically over four times the limit (an idle interpreter stops spinning). One per waiter;
/// races on it are harmless (a heuristic).
/// </summary>
internal sealed class SpinBudget(TimeSpan limit)
{
    private static readonly long YieldEvery = Stopwatch.Frequency / 50_000;   // 20 µs: longer than most hand-offs take across cores
    private readonly long _limit = (long)(limit.TotalSeconds * Stopwatch.Frequency);
    private long _typical;   // moving average of recent waits, in Stopwatch ticks

    /// <summary>
    /// Spins with pause instructions, yielding the core every 20 µs, until <paramref name="done"/> holds (true) or the
    /// budget is spent (false). Call <see cref="Waited"/> with the same start once the wait is over, however it ended.
    /// </summary>
    public bool Until<T>(Func<T, bool> done, T state, long start)
    {
        if (done(state))
            return true;
        var typical = Volatile.Read(ref _typical);
        if (Environment.ProcessorCount < 2 || typical > 4 * _limit)
            return false;   // one core, or idle now: spinning only delays whoever would make it true
        // At least a floor: a wait that ended in sleep also counts the wake-up, so without one, two threads that
        // both sleep see only long waits and never start spinning again.
        var budget = Math.Clamp(2 * typical, _limit / 2, _limit);
        var yieldAt = start + YieldEvery;
        while (!done(state))
        {
            var now = Stopwatch.GetTimestamp();
            if (now - start >= budget)
                return false;
            if (now >= yieldAt)
            {
                // The one that would make it true may be runnable on this very core (the kernel wakes a thread on
                // its waker's core): pure spinning would hold it off until the budget is spent. A yield hands it the
                // core if so, and costs a system call's return otherwise.
                Thread.Yield();
                yieldAt = Stopwatch.GetTimestamp() + YieldEvery;
            }
            Thread.SpinWait(16);
        }
        return true;
    }

    /// <summary>Records a wait that began at <paramref name="start"/> (a Stopwatch timestamp) and is over now.</summary>
    public void Waited(long start)
    {
        var waited = Stopwatch.GetTimestamp() - start;
        var typical = Volatile.Read(ref _typical);
        // An eighth of the way towards the latest: a few long waits (an idle spell) stop the spinning, a few short ones resume it.
        Volatile.Write(ref _typical, typical + (Math.Min(waited, 8 * _limit) - typical) / 8);
    }
}
