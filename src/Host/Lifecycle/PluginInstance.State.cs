using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Lifecycle;

// One lock owns the state machine: every change of state or of the current interpreter goes through Move, Adopt or
// Release under _gate, and is checked against InstanceStates. Readers on other threads (the status, the watchdog and
// the sampler's timers, the inbox's callbacks) read _now, one immutable (state, interpreter) pair published whole, so
// they never see a new state with a retired interpreter or the reverse.
internal sealed partial class PluginInstance
{
    /// <summary>The instance's state and its current interpreter (null while none runs), as one value.</summary>
    private sealed record Snapshot(PluginState State, IInstanceRuntime? Interpreter);

    private readonly Lock _gate = new();
    private volatile Snapshot _now = new(PluginState.Pending, null);

    private PluginState State => _now.State;

    private IInstanceRuntime? CurrentInterpreter => _now.Interpreter;

    /// <summary>Moves to <paramref name="to"/> when InstanceStates allows it from the current state; false (nothing changed) otherwise.</summary>
    private bool Move(PluginState to)
    {
        lock (_gate)
        {
            var now = _now;
            if (!InstanceStates.CanMove(now.State, to))
                return false;
            _now = now with { State = to };
            return true;
        }
    }

    /// <summary>Makes a freshly created interpreter the current one: only while Starting (a stop may have come first).</summary>
    private bool Adopt(IInstanceRuntime interpreter)
    {
        lock (_gate)
        {
            if (_now.State != PluginState.Starting)
                return false;
            _now = _now with { Interpreter = interpreter };
            return true;
        }
    }

    /// <summary>A retired interpreter is no longer the current one (unless a successor already is).</summary>
    private void Release(IInstanceRuntime interpreter)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_now.Interpreter, interpreter))
                _now = _now with { Interpreter = null };
        }
    }

    /// <summary>True while <paramref name="interpreter"/> is the current one and runs the plugin (a timer's check).</summary>
    private bool IsServing(IInstanceRuntime interpreter) => _now is { State: PluginState.Running } now && ReferenceEquals(now.Interpreter, interpreter);
}
