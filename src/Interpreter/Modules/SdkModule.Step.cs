using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// An async handler whose own code cannot wait (the prelude's _never_waits) runs its one step here, as a task would run
// it — the instance's loop set running, a copy of the context entered — but without a Task, a Python frame of ours, or
// the StopIteration that ends a send from Python (PyIter_Send returns the value). The prelude subscribes
// _step_form(handler), an AsyncStepType the dispatcher recognises. Within a batch of deliveries the loop stays set
// running from one such step to the next (the dispatcher ends that before anything else runs on the thread: another
// handler, the loop itself, the batch's end), so a burst pays for it once. A coroutine that waits after all goes on as
// a task (the prelude's _go_on). What it costs beside a sync handler: docs/benchmarks.md, issue 19.
internal static unsafe partial class SdkModule
{
    private const int StepMethodCount = 1;

    // Positions in ModuleState.StepNames: globals of the prelude, and the loop attribute is_running() reads.
    private const int LoopName = 0, EventLoopName = 1, OwnerName = 2, SetRunningLoopName = 3, GoOnName = 4, ThreadIdName = 5;
    private static readonly string[] s_stepNames = ["_loop", "_event_loop", "_owner", "_set_running_loop", "_go_on", "_thread_id"];

    private static void AddStepMethods(PyMethodDef* methods)
    {
        methods[0] = Method("_step_form", (delegate* unmanaged<nint, nint, nint>)&StepForm, Interop.METH_O,
            "_step_form(handler) -> callable\n\nAn async def handler that never waits, run in one step on the instance's loop.");
    }

    private static nint NewStepNames()
    {
        var names = Interop.NewTuple(s_stepNames.Length);
        try
        {
            for (var i = 0; i < s_stepNames.Length; i++)
                Interop.TupleSet(names.Borrow(), i, Interop.Interned(s_stepNames[i]).Steal());
            return names.Steal();
        }
        catch
        {
            names.Dispose();
            throw;
        }
    }

    [UnmanagedCallersOnly]
    private static nint StepForm(nint module, nint handler)
    {
        try
        {
            if (!Interop.IsCallable(new BorrowedRef(handler)))
                throw PythonError.Type("_step_form() takes an async def function");
            return AsyncStepType.Create(State(module)->AsyncStepType, new BorrowedRef(handler)).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>
    /// Runs <paramref name="handler"/>(<paramref name="message"/>)'s coroutine one step (arguments borrowed): a new
    /// reference to its result, or NULL with its (or a step's) exception left as raised — only raw calls, never a .NET
    /// exception. <paramref name="batch"/> (the dispatcher): the loop is left set running afterwards, until
    /// <see cref="EndBatchStep"/>.
    /// </summary>
    internal static nint RunStep(nint module, nint handler, nint message, bool batch)
    {
        var state = (ModuleState*)Interop.ModuleState(module);
        if (state == null)
            return 0;
        var names = state->StepNames;
        var coroutine = Interop.CallOneRaw(handler, message);
        if (coroutine == 0)
            return 0;
        var globals = Interop.ModuleDict(new BorrowedRef(module)).Pointer;
        // A new reference: the plugin's code may rebind the global during the step.
        var loop = RunningLoopFor(globals, names);
        if (loop == 0)
        {
            Interop.DecRef(coroutine);
            return 0;
        }
        // The dispatcher's batch keeps the loop set running from one step to the next (in the module's state, on the
        // interpreter's thread). A call from Python sets it for its own step on its own thread, unless it is nested
        // in a batch's step on that thread, which has it so already.
        nint own = 0;   // _set_running_loop, when this step set the loop running for itself only
        if (batch ? state->StepLoop != loop : !NestedInBatch(state, loop))
        {
            var entered = batch ? EndBatchStep(state) && EnterBatch(state, loop, globals) : (own = Enter(loop, globals, names)) != 0;
            if (!entered)
            {
                Interop.DecRef(coroutine);
                Interop.DecRef(loop);
                return 0;
            }
        }
        var status = Send(coroutine, out var value);
        if (own != 0 || (batch && status == Interop.PYGEN_NEXT))
        {
            // Not running any more, as after a task's step (or before the task that goes on with it); the step's
            // exception waits aside meanwhile.
            var raised = status == Interop.PYGEN_ERROR ? Interop.FetchRaised().Steal().Pointer : 0;
            var left = own != 0 ? Leave(loop, own, names) : EndBatchStep(state);
            Interop.DecRef(own);
            if (raised != 0)
                Restore(raised);   // the step's own error is the one to report
            else if (!left)
            {
                Interop.DecRef(value);
                (status, value) = (Interop.PYGEN_ERROR, 0);
            }
        }
        if (status == Interop.PYGEN_NEXT)
        {
            // It waited after all: it goes on as a task from where it stopped.
            var goOn = Global(globals, names, GoOnName);
            var yielded = value;
            value = goOn == 0 ? 0 : Interop.CallRaw(goOn, [coroutine, yielded, message]);
            MissingIfNone(goOn, "_go_on");
            Interop.DecRef(yielded);
        }
        Interop.DecRef(coroutine);
        Interop.DecRef(loop);
        return value;
    }

    /// <summary>One send in a copy of the current context: a PYGEN_ status and the value (a new reference, 0 on error).</summary>
    private static int Send(nint coroutine, out nint value)
    {
        value = 0;
        var context = Interop.NoThrow.PyContext_CopyCurrent();
        if (context == 0)
            return Interop.PYGEN_ERROR;
        if (Interop.NoThrow.PyContext_Enter(context) < 0)
        {
            Interop.DecRef(context);
            return Interop.PYGEN_ERROR;
        }
        var status = Interop.NoThrow.PyIter_Send(coroutine, LibPython.NoneObject, out value);
        if (Interop.NoThrow.PyContext_Exit(context) < 0 && status != Interop.PYGEN_ERROR)
        {
            Interop.DecRef(value);   // cannot happen (the context was entered above); never lose the error
            (status, value) = (Interop.PYGEN_ERROR, 0);
        }
        Interop.DecRef(context);
        return status;
    }

    /// <summary>
    /// Ends what a batch of steps left set running (the dispatcher calls it before anything else runs on the thread).
    /// False with an error set.
    /// </summary>
    internal static bool EndBatchStep(ModuleState* state)
    {
        var loop = state->StepLoop;
        if (loop == 0)
            return true;
        var left = Leave(loop, state->StepSetRunningLoop, state->StepNames);
        ClearSlot(ref state->StepLoop);
        ClearSlot(ref state->StepSetRunningLoop);
        return left;
    }

    /// <summary>The instance's loop (a new reference): the prelude's <c>_loop</c>, made by <c>_event_loop()</c> on first need; 0 with an error.</summary>
    private static nint RunningLoopFor(nint globals, nint names)
    {
        var loop = Global(globals, names, LoopName);
        if (loop != 0 && loop != LibPython.NoneObject)
        {
            Interop.IncRef(loop);
            return loop;
        }
        var make = Global(globals, names, EventLoopName);
        MissingIfNone(make, "_event_loop");
        return make == 0 ? 0 : Interop.CallRaw(make, []);
    }

    /// <summary>Borrowed from the module's namespace; 0 (no error set) when the name is not there.</summary>
    private static nint Global(nint globals, nint names, int index) =>
        Interop.DictGet(new BorrowedRef(globals), new BorrowedRef(Interop.NoThrow.PyTuple_GetItem(names, index))).Pointer;

    private static void MissingIfNone(nint found, string name)
    {
        if (found == 0 && Interop.NoThrow.PyErr_Occurred() == 0)
            Interop.Raise(LibPython.RuntimeErrorType, $"pluginhost.{name} is missing: the module's namespace was changed");
    }

    private static bool NestedInBatch(ModuleState* state, nint loop) =>
        state->StepLoop == loop && state->StepThread == Interop.CurrentThreadIdent();

    /// <summary>Sets the loop running for a batch: the state keeps it and the function (references of its own) until <see cref="EndBatchStep"/>.</summary>
    private static bool EnterBatch(ModuleState* state, nint loop, nint globals)
    {
        var setRunningLoop = Enter(loop, globals, state->StepNames);
        if (setRunningLoop == 0)
            return false;
        Interop.IncRef(loop);
        (state->StepLoop, state->StepSetRunningLoop, state->StepThread) = (loop, setRunningLoop, Interop.CurrentThreadIdent());
        return true;
    }

    /// <summary>
    /// loop._thread_id = _owner; _set_running_loop(loop): the loop counts as running on this thread. A new reference
    /// to the <c>_set_running_loop</c> used (for <see cref="Leave"/>), or 0 with an error.
    /// </summary>
    private static nint Enter(nint loop, nint globals, nint names)
    {
        var setRunningLoop = Global(globals, names, SetRunningLoopName);
        var owner = Global(globals, names, OwnerName);
        if (setRunningLoop == 0)
        {
            MissingIfNone(setRunningLoop, "_set_running_loop");
            return 0;
        }
        var threadId = Interop.NoThrow.PyTuple_GetItem(names, ThreadIdName);
        if (Interop.NoThrow.PyObject_SetAttr(loop, threadId, owner == 0 ? LibPython.NoneObject : owner) < 0)
            return 0;
        var done = Interop.CallOneRaw(setRunningLoop, loop);
        if (done == 0)
        {
            var raised = Interop.FetchRaised().Steal().Pointer;
            Interop.NoThrow.PyObject_SetAttr(loop, threadId, LibPython.NoneObject);
            Restore(raised);
            return 0;
        }
        Interop.DecRef(done);
        Interop.IncRef(setRunningLoop);
        return setRunningLoop;
    }

    /// <summary>_set_running_loop(None); loop._thread_id = None. False with an error (both are tried).</summary>
    private static bool Leave(nint loop, nint setRunningLoop, nint names)
    {
        var done = Interop.CallOneRaw(setRunningLoop, LibPython.NoneObject);
        Interop.DecRef(done);
        var raised = done == 0 ? Interop.FetchRaised().Steal().Pointer : 0;
        var cleared = Interop.NoThrow.PyObject_SetAttr(loop, Interop.NoThrow.PyTuple_GetItem(names, ThreadIdName), LibPython.NoneObject) == 0;
        if (raised != 0)
            Restore(raised);
        return done != 0 && cleared;
    }

    /// <summary>Puts back an exception taken aside while cleaning up, in place of any error the cleanup raised meanwhile.</summary>
    private static void Restore(nint raised)
    {
        Interop.NoThrow.PyErr_Clear();
        Interop.Raise(new StolenRef(raised));
    }
}
