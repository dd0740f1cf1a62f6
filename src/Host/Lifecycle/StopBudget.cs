using System.Diagnostics;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// The whole host's stop within one <c>StopTimeout</c> (T), shared by every instance from the moment it begins
/// (docs/reliability.md, "The whole stop within StopTimeout"):
/// <list type="bullet">
/// <item>drain and <c>teardown()</c>: until T/2 (<see cref="TeardownLeft"/>); an overrun is interrupted;</item>
/// <item>ending the interpreter: until T (<see cref="EndLeft"/>), so at least T/2 after the teardown share; whatever
/// has not ended then is abandoned;</item>
/// <item>inside that end, the interpreter's own threads get <see cref="ThreadEndTimeout"/> = T/4 to stop: below the
/// smallest end wait (T/2), so an interpreter whose threads will not stop gives up and is abandoned by itself before
/// the host gives up on it, and <c>Py_EndInterpreter</c> never runs while the host is already exiting.</item>
/// </list>
/// The runtime's own shutdown then waits only what is left of T and finalises CPython (<see cref="FinalizationSlack"/>).
/// The host's cancellation token ends every wait at once.
/// </summary>
internal sealed class StopBudget
{
    /// <summary>What the generic host's ShutdownTimeout adds to StopTimeout: CPython's finalisation and the last log lines.</summary>
    public static readonly TimeSpan FinalizationSlack = TimeSpan.FromSeconds(5);

    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _total;

    public StopBudget(TimeSpan stopTimeout, CancellationToken cancellation = default)
    {
        _total = stopTimeout;
        Cancellation = cancellation;
    }

    /// <summary>At most this long for threads the interpreter's code started to stop at its end (T/4).</summary>
    public static TimeSpan ThreadEndTimeout(TimeSpan stopTimeout) => stopTimeout / 4;

    /// <summary>The teardown share in words, for the log.</summary>
    public string TeardownLimit => $"half of StopTimeout ({_total / 2} from the start of the stop)";

    /// <summary>The deadline in words, for the log.</summary>
    public string EndLimit => $"StopTimeout ({_total} from the start of the stop)";

    /// <summary>Cancelled when the host will wait no longer (its ShutdownTimeout): every wait ends at once.</summary>
    public CancellationToken Cancellation { get; }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    /// <summary>Left of the drain-and-teardown share (T/2 from the start); zero once spent.</summary>
    public TimeSpan TeardownLeft => Left(_total / 2);

    /// <summary>Left until the whole stop's deadline (T from the start); zero once spent.</summary>
    public TimeSpan EndLeft => Left(_total);

    private TimeSpan Left(TimeSpan share) =>
        Cancellation.IsCancellationRequested ? TimeSpan.Zero : share - Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
}
