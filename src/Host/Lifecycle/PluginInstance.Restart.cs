using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Lifecycle;

// The restart policy: a failed interpreter is retired and a fresh one started after an exponential backoff, at most
// MaxRestarts times within Window; then the instance stays Failed and what waits in its inbox is dead-lettered.
internal sealed partial class PluginInstance
{
    /// <summary>How a failed interpreter is ended before its successor starts.</summary>
    private enum Retire
    {
        /// <summary>Its plugin never ran: no teardown.</summary>
        NotStarted,

        /// <summary>It ran and can still run Python: teardown() first (within StopTimeout).</summary>
        Teardown,

        /// <summary>Its thread is blocked in native code: asked to end, not waited for (it ends when the call returns).</summary>
        Abandon,
    }

    private readonly RestartPolicy _policy;
    private readonly CancellationTokenSource _lifetime = new();
    private Task _restarting = Task.CompletedTask;
    private bool _stopRequested;
    private string? _cannotHeal;   // why a restart would fail the same way (StartFailures), null while it may heal
    private int _attempt;
    private DateTimeOffset? _nextStart;

    /// <summary>
    /// The running interpreter <paramref name="from"/> cannot go on (failure rate, memory limit, exit code, stuck
    /// handler): restart, unless it is no longer the current one or a restart or stop is already under way.
    /// Safe from any thread, the interpreter's own included: nothing here waits for Python.
    /// </summary>
    private void RequestRestart(IInstanceRuntime? from, string reason, Retire retire, string trigger)
    {
        lock (_gate)
        {
            if (from is null || !IsServing(from))
                return;
            Recover(reason, retire, trigger);
        }
    }

    /// <summary>Restarts after the backoff, or, when restarts are off or exhausted, leaves the instance Failed.</summary>
    private void Recover(string error, Retire retire, string trigger)
    {
        lock (_gate)
        {
            _error = error;
            if (_stopRequested)
                return;   // stopping ends the interpreter anyway
            var decision = _policy.Decide(DateTimeOffset.UtcNow, AbandonedRunning, _cannotHeal);
            if (!decision.Restart)
            {
                FailForGood(error, decision.Refusal!);
                return;
            }
            if (!Move(PluginState.Restarting))
                return;   // cannot happen while _stopRequested is false; the state machine says so anyway
            _attempt = decision.Attempt;
            _nextStart = DateTimeOffset.UtcNow + decision.Delay;
            StopTimers();
            // From here messages wait in the inbox; the old interpreter handles no more of them and subscribes no more.
            _inbox.Detach();
            _binding.Inbox = null;
            var old = CurrentInterpreter;
            PluginMetrics.Restarted(Name, Number, trigger);
            _hostLogger.PluginRestarting(Name, Number, decision.Delay, _attempt, _policy.Options.MaxRestarts, _policy.Options.Window, FirstLine(error));
            _restarting = Task.Run(() => RestartAsync(old, retire, decision.Delay));
        }
    }

    private async Task RestartAsync(IInstanceRuntime? old, Retire retire, TimeSpan delay)
    {
        await RetireAsync(old, retire);
        lock (_gate)
        {
            // Each abandoned interpreter may spin for ever: past the maximum, no fresh one is started to join them.
            if (_policy.AbandonedTooMany(AbandonedRunning) && !_stopRequested)
            {
                FailForGood(_error ?? "", _policy.Refusal(AbandonedRunning, null)!);
                return;
            }
        }
        try
        {
            await Task.Delay(delay, _lifetime.Token);
            if (await StartInterpreterAsync(_lifetime.Token) is { } failure)
                Recover(failure, Retire.NotStarted, "start");
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Stopping: StopAsync ends whatever interpreter this left.
        }
    }

    private async Task RetireAsync(IInstanceRuntime? interpreter, Retire retire)
    {
        if (interpreter is null)
            return;
        if (retire == Retire.Teardown)
            await TeardownAsync(interpreter, _stopTimeout);
        if (retire == Retire.Abandon)
        {
            _hostLogger.InterpreterAbandoned(Name, Number, interpreter.Id);
            AbandonNow(interpreter, "a handler is blocked in native code");
        }
        else
        {
            await EndInterpreterAsync(interpreter, _stopTimeout, retire == Retire.NotStarted ? "its import or setup did not return when interrupted" : "it did not return when interrupted");
        }
        Release(interpreter);
        _binding.FlushOutput();
    }

    /// <summary>No more restarts: no new messages; those waiting are dead-lettered (requests fail) with the reason.</summary>
    private void FailForGood(string error, string why)
    {
        if (!Move(PluginState.Failed))
            return;
        StopTimers();
        _address.Dispose();
        _inbox.Close();
        var count = _inbox.DeadLetterRemaining($"plugin {Name}/{Number} failed and will not run again: {why}");
        _binding.FlushOutput();
        // The error's first line: its traceback, if any, was logged where it happened (start failure, handler).
        _hostLogger.PluginFailedForGood(Name, Number, why, count, FirstLine(error));
    }

    /// <summary>
    /// Stopping: no restart may begin; one under way is cancelled (its backoff or start) and awaited, but not past the
    /// stop's deadline (retiring its old interpreter may be what holds it: that one is then abandoned by its own wait).
    /// </summary>
    private async Task EndRestartsAsync(StopBudget budget)
    {
        Task restarting;
        lock (_gate)
        {
            _stopRequested = true;
            restarting = _restarting;
        }
        await _lifetime.CancelAsync();
        try
        {
            await restarting.WaitAsync(budget.EndLeft, budget.Cancellation);
        }
        catch (Exception e)
        {
            _hostLogger.StopHookFailed(Name, Number, e.Message);
        }
    }

    /// <summary>Handler failures (retries included) over the configured rate restart the instance.</summary>
    private void OnHandlerFailure()
    {
        if (_policy.HandlerFailed(DateTimeOffset.UtcNow) is { } count)
            RequestRestart(CurrentInterpreter, $"{count} handler failures within {_policy.Options.FailureWindow} (PluginHost:Restart:MaxHandlerFailures {_policy.Options.MaxHandlerFailures})", Retire.Teardown, "failure-rate");
    }

    /// <summary>An error's first line: its traceback, if any, is logged where it happened.</summary>
    internal static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();
}
