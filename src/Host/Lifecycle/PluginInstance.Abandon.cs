using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Lifecycle;

// Interpreters that cannot be ended: their owner thread is stuck in C code (an interrupt only lands when the call
// returns), or threads they started will not stop (ending an interpreter under them aborts the process). Such an
// interpreter is abandoned — left running, never ended nor finalised under its threads — and counted: each may spin
// for ever, so an instance that keeps leaving them behind is not restarted again (Restart:MaxAbandoned). One that
// ends by itself later (its blocking call returned) no longer counts against that bound.
internal sealed partial class PluginInstance
{
    private readonly List<IInstanceRuntime> _left = [];   // abandoned, for the bound (those that ended are skipped)
    private int _abandoned;

    /// <summary>Interpreters this instance has abandoned over its life.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>
    /// Ends <paramref name="interpreter"/>, waiting at most <paramref name="timeout"/>; one that does not end in time,
    /// or whose threads kept it from ending, or whose end failed, is abandoned, counted and logged. Never throws, never
    /// waits longer.
    /// </summary>
    private async Task EndInterpreterAsync(IInstanceRuntime interpreter, TimeSpan timeout, string stuck, CancellationToken cancellation = default, string? limit = null)
    {
        try
        {
            await interpreter.DisposeAsync().AsTask().WaitAsync(timeout, cancellation);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            interpreter.Abandon(e is TimeoutException ? $"{stuck}; it did not end within {limit ?? timeout.ToString()}" : $"{stuck}; the host would wait no longer");
        }
        catch (Exception e)
        {
            // Ending failed half-way (a worker that could not be killed, say): whether it still runs is unknown, so it is
            // counted as abandoned until its Completion says otherwise; the restart or stop that called goes on.
            _hostLogger.InterpreterEndFailed(Name, Number, interpreter.Id, e);
            interpreter.Abandon($"ending it failed: {e.Message}");
        }
        if (interpreter.IsAbandoned)
            CountAbandoned(interpreter);
    }

    /// <summary>
    /// The owner thread is known not to come back soon (a handler blocked in native code past its grace): abandoned
    /// without waiting.
    /// </summary>
    private void AbandonNow(IInstanceRuntime interpreter, string reason)
    {
        _ = interpreter.DisposeAsync();
        interpreter.Abandon(reason);
        CountAbandoned(interpreter, log: false);   // event 1012 said it
    }

    /// <summary>The outcome's reason for a message whose handler was running when its interpreter was abandoned.</summary>
    private string AbandonedWhileHandling => $"plugin {Name}/{Number}'s interpreter was abandoned while its handler ran";

    private void CountAbandoned(IInstanceRuntime interpreter, bool log = true)
    {
        var count = Interlocked.Increment(ref _abandoned);
        lock (_left)
            _left.Add(interpreter);
        PluginMetrics.Abandoned(Name, Number);
        // A handler still running in it never gives its message an outcome: given here (dropped at stop, else failed).
        var stopping = State == PluginState.Stopping;
        var handling = _inbox.GiveUpInFlight(interpreter, stopping, AbandonedWhileHandling)
            ? stopping ? "; the message its handler was running is counted as dropped" : "; the message its handler was running is counted as failed"
            : "";
        if (log)
            _hostLogger.InterpreterLeftRunning(Name, Number, interpreter.Id, count, (interpreter.Abandoned ?? "abandoned") + handling);
    }

    /// <summary>
    /// Awaits <paramref name="waited"/> (<paramref name="creating"/> within the start's timeout or cancellation); when it
    /// gives up, the interpreter still being created is ended once it exists, rather than left to the runtime's
    /// shutdown, which would then not finalise.
    /// </summary>
    private static async Task<IInstanceRuntime> EndIfGivenUp(Task<IInstanceRuntime> creating, Task<IInstanceRuntime> waited)
    {
        try
        {
            return await waited;
        }
        catch (Exception)
        {
            // The interpreter (if it comes to exist) was never stored: nothing else would end it.
            _ = creating.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.DisposeAsync().AsTask() : Task.CompletedTask, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Interpreters this instance abandoned that are still running (their Completion is not done).</summary>
    private int AbandonedRunning
    {
        get
        {
            lock (_left)
            {
                _left.RemoveAll(i => i.Completion.IsCompleted);
                return _left.Count;
            }
        }
    }
}
