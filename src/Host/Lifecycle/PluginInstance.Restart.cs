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

    private readonly RestartOptions _restart;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _restartGate = new();
    private readonly Queue<DateTimeOffset> _recentRestarts = new();
    private readonly Queue<DateTimeOffset> _recentFailures = new();
    private Task _restarting = Task.CompletedTask;
    private bool _stopRequested;
    private string? _cannotHeal;   // why a restart would fail the same way (StartFailures), null while it may heal
    private int _restarts;
    private int _attempt;
    private DateTimeOffset? _nextStart;

    /// <summary>
    /// The running interpreter <paramref name="from"/> cannot go on (failure rate, memory limit, exit code, stuck
    /// handler): restart, unless it is no longer the current one or a restart or stop is already under way.
    /// Safe from any thread, the interpreter's own included: nothing here waits for Python.
    /// </summary>
    private void RequestRestart(IInstanceRuntime? from, string reason, Retire retire, string trigger)
    {
        lock (_restartGate)
        {
            if (_state != PluginState.Running || !ReferenceEquals(from, _interpreter))
                return;
            Recover(reason, retire, trigger);
        }
    }

    /// <summary>Restarts after the backoff, or, when restarts are off or exhausted, leaves the instance Failed.</summary>
    private void Recover(string error, Retire retire, string trigger)
    {
        lock (_restartGate)
        {
            _error = error;
            if (_stopRequested)
                return;   // stopping ends the interpreter anyway
            var now = DateTimeOffset.UtcNow;
            while (_recentRestarts.Count > 0 && now - _recentRestarts.Peek() > _restart.Window)
                _recentRestarts.Dequeue();
            if (_cannotHeal is not null || !_restart.Enabled || _recentRestarts.Count >= _restart.MaxRestarts || _restart.MaxTotalRestarts is > 0 and var total && _restarts >= total || AbandonedTooMany)
            {
                FailForGood(error);
                return;
            }
            _recentRestarts.Enqueue(now);
            _attempt = _recentRestarts.Count;
            var delay = _restart.DelayBefore(_attempt);
            _nextStart = now + delay;
            _state = PluginState.Restarting;
            Interlocked.Increment(ref _restarts);
            StopTimers();
            // From here messages wait in the inbox; the old interpreter handles no more of them and subscribes no more.
            _inbox.Detach();
            _binding.Inbox = null;
            var old = _interpreter;
            PluginMetrics.Restarted(Name, Number, trigger);
            _hostLogger.PluginRestarting(Name, Number, delay, _attempt, _restart.MaxRestarts, _restart.Window, FirstLine(error));
            _restarting = Task.Run(() => RestartAsync(old, retire, delay));
        }
    }

    private async Task RestartAsync(IInstanceRuntime? old, Retire retire, TimeSpan delay)
    {
        await RetireAsync(old, retire);
        lock (_restartGate)
        {
            // Each abandoned interpreter may spin for ever: past the maximum, no fresh one is started to join them.
            if (AbandonedTooMany && !_stopRequested)
            {
                FailForGood(_error ?? "");
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
        Interlocked.CompareExchange(ref _interpreter, null, interpreter);
        _binding.FlushOutput();
    }

    /// <summary>No more restarts: no new messages; those waiting are dead-lettered (requests fail) with the reason.</summary>
    private void FailForGood(string error)
    {
        _state = PluginState.Failed;
        StopTimers();
        _address.Dispose();
        _inbox.Close();
        var why = _cannotHeal is { } cannotHeal ? $"it cannot heal by restarting: {cannotHeal}"
            : !_restart.Enabled ? "restarts are disabled (PluginHost:Restart:Enabled)"
            : AbandonedTooMany ? $"it left {AbandonedRunning} interpreter(s) running that could not be ended (PluginHost:Restart:MaxAbandoned {_restart.MaxAbandoned}); only process isolation contains such code"
            : _recentRestarts.Count >= _restart.MaxRestarts ? $"{_recentRestarts.Count} restart(s) within {_restart.Window} exhausted (PluginHost:Restart:MaxRestarts {_restart.MaxRestarts})"
            : $"{_restarts} restart(s) in all exhausted (PluginHost:Restart:MaxTotalRestarts {_restart.MaxTotalRestarts})";
        var count = _inbox.DeadLetterRemaining($"plugin {Name}/{Number} failed and will not run again: {why}");
        _binding.FlushOutput();
        // The error's first line: its traceback, if any, was logged where it happened (start failure, handler).
        var newline = error.IndexOf('\n');
        _hostLogger.PluginFailedForGood(Name, Number, why, count, newline < 0 ? error : error[..newline].TrimEnd());
    }

    /// <summary>Stopping: no restart may begin; one under way is cancelled (its backoff or start) and awaited.</summary>
    private async Task EndRestartsAsync()
    {
        Task restarting;
        lock (_restartGate)
        {
            _stopRequested = true;
            restarting = _restarting;
        }
        await _lifetime.CancelAsync();
        try
        {
            await restarting;
        }
        catch (Exception e)
        {
            _hostLogger.StopHookFailed(Name, Number, e.Message);
        }
    }

    /// <summary>Handler failures (retries included) over the configured rate restart the instance.</summary>
    private void OnHandlerFailure()
    {
        if (_restart.MaxHandlerFailures == 0)
            return;
        int count;
        var now = DateTimeOffset.UtcNow;
        lock (_recentFailures)
        {
            _recentFailures.Enqueue(now);
            while (now - _recentFailures.Peek() > _restart.FailureWindow)
                _recentFailures.Dequeue();
            count = _recentFailures.Count;
            if (count < _restart.MaxHandlerFailures)
                return;
            _recentFailures.Clear();
        }
        RequestRestart(_interpreter, $"{count} handler failures within {_restart.FailureWindow} (PluginHost:Restart:MaxHandlerFailures {_restart.MaxHandlerFailures})", Retire.Teardown, "failure-rate");
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();
}
