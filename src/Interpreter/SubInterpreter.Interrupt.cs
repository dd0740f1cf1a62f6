using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

// Interrupting runaway Python code in this interpreter only (the host's handler timeouts).
public sealed partial class SubInterpreter
{
    private readonly Lock _interruptGate = new();
    private nint _interpreterState;
    private nuint _ownerIdent;
    private bool _ending;
    private volatile bool _interruptIssued;

    /// <summary>
    /// Raises <c>pluginhost.HandlerTimeout</c> (a <c>TimeoutError</c>) in the Python code this interpreter's thread is
    /// running, if <paramref name="stillRelevant"/> holds when checked under the interpreter's own GIL (so it is judged
    /// against the work really running, not what ran when the timer fired). Delivered at the next bytecode boundary:
    /// pure-Python loops stop within the switch interval; code blocked in C (a long sleep, a native call) is stopped
    /// when it returns to Python. Other interpreters are never touched.
    /// </summary>
    /// <remarks>
    /// Runs on a short-lived thread with a temporary thread state of this interpreter — the same mechanism as a Python
    /// thread of the plugin — because <c>PyThreadState_SetAsyncExc</c> must be called inside the target interpreter.
    /// </remarks>
    public Task<bool> InterruptAsync(Func<bool> stillRelevant)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => done.TrySetResult(Interrupt(stillRelevant)), InterpreterOptions.MinimumThreadStackSize)
        {
            IsBackground = true,
            Name = $"interrupt:{Id}",
        };
        thread.Start();
        return done.Task;
    }

    private bool Interrupt(Func<bool> stillRelevant)
    {
        lock (_interruptGate)
        {
            if (_ending || _interpreterState == 0)
                return false;
            var state = Interop.NewThreadState(_interpreterState);
            Interop.AttachThread(state);
            try
            {
                if (!stillRelevant())
                    return false;
                if (CancelledOnLoop())
                    return true;
                _interruptIssued = true;
                return Interop.SetAsyncException(_ownerIdent, TimeoutType()) == 1;
            }
            catch (Exception)
            {
                return false;
            }
            finally
            {
                Interop.DeleteAttachedThreadState(state);
            }
        }
    }

    /// <summary>
    /// True when the interpreter's event loop runs an async handler (or hook) that is waiting at an await: pluginhost
    /// cancels its task on the loop instead (CancelledError at that await). An exception raised into the thread would
    /// land in the loop's own code, or never while the loop sleeps in its selector with nothing scheduled.
    /// </summary>
    private static bool CancelledOnLoop()
    {
        try
        {
            using var module = Interop.Import(Modules.SdkModule.Name);
            var result = Interop.NoThrow.PyObject_CallMethodNoArgs(module.Pointer, "_cancel_running");
            if (result == 0)
            {
                Interop.FetchRaised().Dispose();   // not cancelled: the interrupt is raised in the thread instead
                return false;
            }
            var cancelled = result == LibPython.TrueObject;
            Interop.DecRef(result);
            return cancelled;
        }
        catch (PythonException)
        {
            return false;   // no pluginhost module in this interpreter
        }
    }

    /// <summary>pluginhost.HandlerTimeout when this interpreter has the module, else TimeoutError (borrowed or immortal).</summary>
    private static nint TimeoutType()
    {
        try
        {
            using var module = Interop.Import(Modules.SdkModule.Name);
            using var type = Interop.GetAttr(module.Borrow(), "HandlerTimeout");
            return type.Pointer;   // the module keeps it alive while we hold the GIL
        }
        catch (PythonException)
        {
            return LibPython.TimeoutErrorType;
        }
    }

    /// <summary>
    /// An interrupt that arrived after its work finished in C must not hit the next work item. Called on the owner
    /// thread with its GIL held, which already excludes an interrupter (it needs the GIL); taking the gate here as well
    /// would deadlock against an interrupter holding the gate while it waits for the GIL.
    /// </summary>
    private void ClearStaleInterrupt()
    {
        if (!_interruptIssued)
            return;
        _interruptIssued = false;
        Interop.SetAsyncException(_ownerIdent, 0);
    }
}
