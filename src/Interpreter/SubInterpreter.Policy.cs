using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter;

// The interpreter's policy: registered under its id before any of its user's code runs, removed after it has ended.
public sealed partial class SubInterpreter
{
    private InterpreterPolicy? _policy;

    /// <summary>The policy governing this interpreter (see docs/isolation.md); null when it is not restricted.</summary>
    public InterpreterPolicy? Policy => _policy;

    /// <summary>
    /// On the new interpreter's thread, attached: prepares the interpreter (guards.py, the host's own code, loaded
    /// from its marshalled form), then registers the policy, before any code of its user runs.
    /// </summary>
    private void ApplyPolicy()
    {
        if (_policy is null)
            return;
        IsolationGuards.Install(_policy);
        _runtime.Policies.Register(Id, _policy);
    }

    /// <summary>After a failure of <see cref="ApplyPolicy"/>: ends the half-made interpreter and drops the helper state.</summary>
    private void AbandonCreated(nint mainState)
    {
        Interop.EndInterpreter(_threadState);
        _threadState = 0;
        _runtime.Policies.Unregister(Id);
        Interop.AttachThread(mainState);
        DeleteThreadState(mainState);
    }
}
