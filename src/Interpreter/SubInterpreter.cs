using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter;

/// <summary>
/// A CPython subinterpreter owned by one dedicated OS thread. Work is queued to that thread, which attaches the
/// interpreter (taking its GIL), runs a batch, and detaches. No other thread ever touches its objects.
/// </summary>
public sealed partial class SubInterpreter : IInstanceRuntime
{
    /// <summary>How many queued items run under one GIL acquisition; bounds how long a busy queue delays ending.</summary>
    private const int BatchSize = 256;

    private readonly PythonRuntime _runtime;
    private readonly InterpreterOptions _options;
    private readonly WorkQueue _work = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly InterpreterScope _scope;
    private nint _threadState;
    private GCHandle _binding;
    private readonly InterpreterBinding? _bound;   // what _binding points at, readable after the handle is freed

    private SubInterpreter(PythonRuntime runtime, InterpreterOptions options, IPluginBinding? binding)
    {
        _runtime = runtime;
        if (binding is not null)
        {
            _bound = new InterpreterBinding(this, binding);
            _binding = GCHandle.Alloc(_bound);
        }
        _options = options;
        _scope = new InterpreterScope(this);
        _thread = new Thread(ThreadMain, options.ThreadStackSize)
        {
            IsBackground = true,
            Name = options.Name ?? "python-subinterpreter",
        };
    }

    /// <summary>CPython's id for this interpreter (as in <c>_interpreters.get_current()</c>).</summary>
    public long Id { get; private set; } = -1;

    public InterpreterOptions Options => _options;

    /// <summary>
    /// Bytes in this interpreter's live blocks from the raw allocator (objects over 512 bytes): a counter, readable from
    /// any thread at any time, even while the interpreter runs. Null when the runtime does not track them.
    /// </summary>
    public long? LargeBytes => Id >= 0 ? _runtime.LargeAllocations?.BytesOf(Id) : null;

    /// <summary>
    /// Payload bytes of received messages this interpreter's <c>pluginhost.Message</c> objects still hold (.NET
    /// memory, in no allocator figure): readable from any thread.
    /// </summary>
    public long MessageBytes => _bound?.Messages.PayloadBytes ?? 0;

    internal PythonRuntime Runtime => _runtime;

    /// <summary>
    /// Completes when the interpreter has ended (after <see cref="DisposeAsync"/> or runtime shutdown); never for one
    /// that stays abandoned (<see cref="Abandoned"/>).
    /// </summary>
    public Task Completion => _ended.Task;

    internal static async Task<SubInterpreter> StartAsync(PythonRuntime runtime, InterpreterOptions options, IPluginBinding? binding, InterpreterPolicy? policy = null)
    {
        options.Validate();
        var interpreter = new SubInterpreter(runtime, options, binding) { _policy = policy };
        interpreter._thread.Start();
        await interpreter._started.Task.ConfigureAwait(false);
        return interpreter;
    }

    /// <summary>Queues <paramref name="work"/> to run on the interpreter's thread with the interpreter attached.</summary>
    public Task<T> InvokeAsync<T>(Func<InterpreterScope, T> work, CancellationToken cancellationToken = default)
    {
        var item = new WorkItem<T>(work, cancellationToken);
        return _work.TryAdd(item)
            ? item.Task
            : Task.FromException<T>(new ObjectDisposedException(nameof(SubInterpreter), $"Interpreter {Id} has ended."));
    }

    /// <summary>
    /// Queues fire-and-forget work (message delivery, completions) without a task per item; false once the interpreter
    /// has ended. Exceptions it throws are passed to <paramref name="onError"/>, never to the interpreter's thread.
    /// </summary>
    internal bool Post(Action<InterpreterScope> work, Action<Exception>? onError = null) =>
        _work.TryAdd(new PostedWork(work, onError));

    /// <summary>Queues a <see cref="PostedWork"/> made once and posted again and again (an inbox's drain: no allocation per post).</summary>
    internal bool Post(PostedWork work) => _work.TryAdd(work);

    /// <summary>Runs statements in the interpreter's <c>__main__</c> namespace.</summary>
    public Task RunAsync(string source, CancellationToken cancellationToken = default) =>
        InvokeAsync(scope => { scope.Exec(source); return true; }, cancellationToken);

    /// <summary>Runs the host's <paramref name="code"/> (loaded marshalled), then <paramref name="then"/>, in <c>__main__</c>.</summary>
    public Task RunAsync(HostCode code, string then, CancellationToken cancellationToken = default) =>
        InvokeAsync(scope => { scope.Exec(code); scope.Exec(then); return true; }, cancellationToken);

    /// <summary>Evaluates an expression and copies its value back (see <see cref="InterpreterScope.Evaluate"/>).</summary>
    public Task<object?> EvaluateAsync(string expression, CancellationToken cancellationToken = default) =>
        InvokeAsync(scope => scope.Evaluate(expression), cancellationToken);

    /// <summary>Calls <c>module.function(*args)</c> with arguments and result copied across.</summary>
    public Task<object?> CallAsync(string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        InvokeAsync(scope => scope.Call(module, function, args), cancellationToken);

    /// <summary>
    /// Ends the interpreter on its own thread after the work already queued; later work is refused. Completes when it
    /// has ended, or when its owner thread gave up on threads that would not stop and left it running
    /// (<see cref="Abandoned"/> then says why). Code still running in it keeps this from completing: wait with a timeout.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        _work.Complete();
        return new ValueTask(_released.Task);
    }

    internal void EnsureOwnerThread()
    {
        if (Thread.CurrentThread != _thread)
            throw new InvalidOperationException($"Interpreter {Id} can only be used from its own thread; queue work with InvokeAsync.");
    }

    private void ThreadMain()
    {
        try
        {
            Create();
        }
        catch (Exception e)
        {
            FreeBinding();
            _started.TrySetException(e);
            _ended.TrySetResult();
            _released.TrySetResult();
            return;
        }
        _runtime.Register(this);
        _started.TrySetResult();
        try
        {
            RunQueue();
        }
        finally
        {
            if (End())
            {
                _runtime.Unregister(this);
                _ended.TrySetResult();
            }
            _released.TrySetResult();
        }
    }

    private void Create()
    {
        if (_options.MainInterpreter)
        {
            CreateInMain();
            return;
        }
        var config = _options.ToNative();
        // Py_NewInterpreterFromConfig needs a main-interpreter thread state attached on this thread.
        var mainState = Interop.NewThreadState(_runtime.MainInterpreter);
        Interop.AttachThread(mainState);
        var status = Interop.NewInterpreter(in config, out var threadState);
        if (status.IsError)
        {
            DeleteThreadState(mainState);
            throw new InvalidOperationException($"CPython refused to create the interpreter: {status.Describe()}");
        }
        _threadState = threadState;
        Identify();
        try
        {
            AdoptMainThread();
            ApplyPolicy();
        }
        catch
        {
            AbandonCreated(mainState);
            throw;
        }
        // What this thread allocates with the GIL released (no thread state attached) is still this interpreter's.
        _runtime.LargeAllocations?.RegisterOwner(_ownerIdent, Id);
        Interop.DetachThread();
        // The helper main-interpreter state was detached by the switch; drop it under the main GIL.
        Interop.AttachThread(mainState);
        DeleteThreadState(mainState);
    }

    /// <summary>With its fresh thread state attached on the owner thread: who the interpreter is, and its binding.</summary>
    private void Identify()
    {
        _interpreterState = Interop.CurrentInterpreterState();
        _ownerIdent = Interop.CurrentThreadIdent();
        Id = Interop.InterpreterId(_interpreterState);
        ReadThreadLayout();
        if (_binding.IsAllocated)
            SdkModule.Bind(GCHandle.ToIntPtr(_binding));
    }

    private void RunQueue()
    {
        while (_work.WaitForWork())
        {
            using var attached = Gil.Attach(_threadState);
            for (var n = 0; n < BatchSize && _work.TryTake(out var item); n++)
            {
                item.Execute(_scope);
                ClearStaleInterrupt();
            }
        }
    }

    /// <summary>
    /// Ends the interpreter, or leaves it running (false) when threads it started will not stop, or when it had been
    /// abandoned and the runtime is shutting down by the time its owner thread came back.
    /// </summary>
    private bool End()
    {
        var ended = new ObjectDisposedException(nameof(SubInterpreter), $"Interpreter {Id} ended before this work ran.");
        while (_work.TryTake(out var item))
            item.Abandon(ended);
        FailInFlight($"interpreter {Id} ended with its async handler still in flight");
        // Py_EndInterpreter requires this to be the interpreter's last thread state: no interrupt may be in flight.
        lock (_interruptGate)
            _ending = true;
        if (IsAbandoned && !_runtime.MayEndLate())
            return false;
        Interop.AttachThread(_threadState);
        ClearStaleInterrupt();
        ReleaseDummyThread();
        if (!StopOtherThreads())
        {
            Abandon(ThreadsLeftReason(OtherThreads(null)));
            Interop.DetachThread();
            _released.TrySetResult();
            if (!LingerUntilAlone())
                return false;
        }
        if (_options.MainInterpreter)
            LeaveMain();
        else
            Interop.EndInterpreter(_threadState);
        _threadState = 0;
        _runtime.LargeAllocations?.UnregisterOwner(_ownerIdent);
        // Policy: kept to the very end (atexit handlers and finalizers are the plugin's code too); ids are never reused.
        _runtime.Policies.Unregister(Id);
        FreeBinding();
        return true;
    }

    /// <summary>
    /// CPython 3.13 tracks this (non-threading-module) thread with a thread-local whose __del__ needs the threading
    /// module; at Py_EndInterpreter it runs after the module is torn down and prints "Exception ignored in
    /// _DeleteDummyThreadOnDel.__del__". Dropping it while the module is alive runs that cleanup properly.
    /// </summary>
    private static void ReleaseDummyThread()
    {
        try
        {
            using var _ = Interop.Evaluate(
                "import sys\n_t = sys.modules.get('threading')\nif _t is not None: getattr(_t, '_thread_local_info', _t).__dict__.pop('_track_dummy_thread_ref', None)\ndel _t",
                "<pluginhost-end>", Interop.Py_file_input, Interop.MainModuleDict());
        }
        catch (PythonException)
        {
            // Best effort: the interpreter ends either way.
        }
    }

    // After Py_EndInterpreter nothing in Python can reach the handle any more.
    private void FreeBinding()
    {
        if (_binding.IsAllocated)
            _binding.Free();
    }

    private static void DeleteThreadState(nint attached)
    {
        Interop.DeleteAttachedThreadState(attached);
    }
}
