using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

// InterpreterOptions.MainInterpreter: the same owner thread, work queue, binding, policy and interrupts, on a fresh
// thread state of the process's main interpreter rather than on a new subinterpreter (a worker process's instance).
public sealed partial class SubInterpreter
{
    private static int s_mainInUse;

    /// <summary>On the owner thread: a thread state of the main interpreter, prepared as <see cref="Create"/> prepares a new one.</summary>
    private void CreateInMain()
    {
        if (Interlocked.Exchange(ref s_mainInUse, 1) != 0)
            throw new InvalidOperationException("The main interpreter already runs an instance in this process: only one may.");
        _threadState = Interop.NewThreadState(_runtime.MainInterpreter);
        Interop.AttachThread(_threadState);
        Identify();
        try
        {
            AdoptMainThread();
            ApplyPolicy();
        }
        catch
        {
            _runtime.Policies.Unregister(Id);
            LeaveMain();
            throw;
        }
        _runtime.LargeAllocations?.RegisterOwner(_ownerIdent, Id);
        Interop.DetachThread();
    }

    /// <summary>With this thread state attached: drops it; the main interpreter itself ends with the runtime.</summary>
    private void LeaveMain()
    {
        DeleteThreadState(_threadState);
        Volatile.Write(ref s_mainInUse, 0);
    }
}
