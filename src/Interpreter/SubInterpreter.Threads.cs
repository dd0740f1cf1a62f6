using System.Diagnostics;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

// Threads the interpreter's own code started (threading or _thread): Py_EndInterpreter aborts the whole process
// ("Fatal Python error: Py_EndInterpreter: not the last thread") when any still runs, so they are stopped first, as
// far as Python allows; an interpreter whose threads will not stop is left running (abandoned), never ended under them.
public sealed partial class SubInterpreter
{
    // What threading._shutdown does before it joins (which could wait for ever): the threading atexit callbacks
    // (concurrent.futures wakes its idle workers there) run, once, on a thread of their own, so a callback that
    // blocks — joining a worker that never finishes — holds up only that thread, which is stopped with the rest.
    private const string WakeThreadsSource = """
        import sys
        _t = sys.modules.get('threading')
        _calls = getattr(_t, '_threading_atexits', None) if _t is not None else None
        if _calls:
            _t._SHUTTING_DOWN = True
            _todo = list(reversed(_calls))
            _calls.clear()
            def _run(todo):
                for call in todo:
                    try:
                        call()
                    except BaseException:
                        pass
            import _thread
            _thread.start_new_thread(_run, (_todo,))
        """;

    private static readonly TimeSpan SignalEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LingerMaxPoll = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int? _threadIdOffset;   // of PyThreadState.thread_id, once checked against the owner's own state
    private volatile string? _abandoned;

    /// <summary>
    /// Why this interpreter was left running instead of ended (its threads would not stop, or its owner thread did not
    /// come back); null while it runs normally and when it ended. An abandoned interpreter keeps its policy and binding
    /// (its threads may still run the plugin's code), and the runtime is then never finalised under it. It may still
    /// end later by itself (<see cref="Completion"/>), when what held it returns.
    /// </summary>
    public string? Abandoned => _abandoned;

    public bool IsAbandoned => _abandoned is not null;

    /// <summary>
    /// Gives up waiting for this interpreter: its owner thread is still inside Python or C code and did not come back
    /// in time. Nothing is done to it (nothing can be, without its GIL); it is only marked, so that the runtime is not
    /// finalised under it. The first reason given stays.
    /// </summary>
    public void Abandon(string reason) => Interlocked.CompareExchange(ref _abandoned, reason, null);

    private void ReadThreadLayout()
    {
        var offset = ThreadStateLayout.ThreadIdOffset(_runtime.Version);
        _threadIdOffset = ThreadStateLayout.Verify(_threadState, _ownerIdent, offset) ? offset : null;
    }

    /// <summary>
    /// With the GIL held, before <c>Py_EndInterpreter</c>: true once this is the interpreter's last thread state. Other
    /// threads get the threading atexit callbacks, then a while to finish, then <c>SystemExit</c> (again every half
    /// second: code may catch one), until <see cref="InterpreterOptions.ThreadEndTimeout"/>; false (GIL still held)
    /// when some are still there. A thread blocked in C — an endless <c>lock.acquire()</c>, a long sleep — sees the
    /// exception only when the call returns.
    /// </summary>
    private bool StopOtherThreads()
    {
        if (OtherThreads(null) == 0)
            return true;
        WakeThreads();
        var start = Stopwatch.GetTimestamp();
        var quiet = _options.ThreadEndTimeout / 10;   // for threads that finish on their own (told by teardown, woken above)
        var signalled = new Dictionary<nuint, long>();
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= quiet)
                SignalOthers(signalled);
            if (OtherThreads(null) == 0)
                return true;
            if (elapsed >= _options.ThreadEndTimeout)
                return false;
            using (Gil.Release())
                Thread.Sleep(10);
        }
    }

    /// <summary>
    /// Left running because of its threads: polls (GIL released in between) until they are gone, then returns true with
    /// the GIL held so the interpreter can end after all; false once the runtime is shutting down (it must not end
    /// while the runtime decides whether to finalise): then the interpreter stays as it is.
    /// </summary>
    private bool LingerUntilAlone()
    {
        var signalled = new Dictionary<nuint, long>();
        var wait = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            Thread.Sleep(wait);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LingerMaxPoll.Ticks));
            if (!_runtime.MayEndLate())
                return false;
            Interop.AttachThread(_threadState);
            SignalOthers(signalled);
            if (OtherThreads(null) == 0)
                return true;
            Interop.DetachThread();
        }
    }

    /// <summary>
    /// Counts the interpreter's thread states other than the owner's, calling <paramref name="each"/> with each one's
    /// thread identifier (when known and set). GIL held: the list cannot change under the walk (see Interop.Threads).
    /// </summary>
    private int OtherThreads(Action<nuint>? each)
    {
        var count = 0;
        for (var state = Interop.FirstThreadState(_interpreterState); state != 0; state = Interop.NextThreadState(state))
        {
            // In the main interpreter (a worker), the runtime's own main thread is not one the plugin started.
            if (state == _threadState || (_options.MainInterpreter && state == _runtime.MainThreadState))
                continue;
            count++;
            if (each is not null && _threadIdOffset is { } offset && ThreadStateLayout.ThreadId(state, offset) is var id && id != 0 && id != _ownerIdent)
                each(id);
        }
        return count;
    }

    /// <summary>Raises SystemExit in every other thread (which ends a thread quietly), each at most every half second.</summary>
    private void SignalOthers(Dictionary<nuint, long> signalled)
    {
        var now = Stopwatch.GetTimestamp();
        var systemExit = SystemExitType();
        OtherThreads(id =>
        {
            if (signalled.TryGetValue(id, out var at) && Stopwatch.GetElapsedTime(at, now) < SignalEvery)
                return;
            signalled[id] = now;
            Interop.SetAsyncException(id, systemExit);
        });
    }

    private void WakeThreads()
    {
        try
        {
            using var globals = Interop.NewDict();
            using var _ = Interop.Evaluate(WakeThreadsSource, "<pluginhost-end>", Interop.Py_file_input, globals.Borrow());
        }
        catch (PythonException)
        {
            // The plugin's threading module is not what we expect: its threads get SystemExit all the same.
        }
    }

    // PyExc_SystemExit is a PyObject* variable (immortal type object); read where it is used, as LibPython does.
    private static unsafe nint SystemExitType() => *(nint*)LibPython.Export("PyExc_SystemExit");

    /// <summary>Why the threads kept it from ending, for <see cref="Abandoned"/>.</summary>
    private string ThreadsLeftReason(int count) =>
        $"{count} thread(s) it started were still running {_options.ThreadEndTimeout.TotalSeconds:0.###} s after they were told to stop " +
        (_threadIdOffset is null ? "(this CPython's thread states are not known to the host: its threads could not be sent SystemExit)" : "with SystemExit (blocked in C, or catching it)");
}
