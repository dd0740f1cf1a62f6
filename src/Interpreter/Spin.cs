using System.Diagnostics;

namespace PluginHost.Interpreter;

/// <summary>
/// Bounded, self-tuning busy-waiting for hand-offs between threads that usually take microseconds (a request's
/// reply, the next message). Spinning saves a kernel wake-up when the other thread has a core of its own; when it
/// does not (more runnable threads than cores) the spinner only delays it, so the budget halves after every spin
/// that ran out and doubles after every one that succeeded. One per waiter; races on it are harmless (a heuristic).
/// </summary>
internal sealed class SpinBudget(TimeSpan limit)
{
    private static readonly long Floor = Stopwatch.Frequency / 1_000_000;   // 1 µs: keeps probing whether spinning pays again
    private readonly long _limit = (long)(limit.TotalSeconds * Stopwatch.Frequency);
    private long _budget = (long)(limit.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Spins with pause instructions (never yielding) until <paramref name="done"/> holds (true) or the budget is spent.</summary>
    public bool Until<T>(Func<T, bool> done, T state)
    {
        if (done(state))
            return true;
        if (Environment.ProcessorCount < 2)
            return false;   // one core: spinning only delays whoever would make it true
        var start = Stopwatch.GetTimestamp();
        var budget = _budget;
        while (!done(state))
        {
            if (Stopwatch.GetTimestamp() - start >= budget)
            {
                _budget = Math.Max(Floor, budget / 2);
                return false;
            }
            Thread.SpinWait(16);
        }
        _budget = Math.Min(_limit, budget * 2);
        return true;
    }
}
