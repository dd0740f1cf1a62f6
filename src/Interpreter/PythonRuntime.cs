using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Locating;
using PluginHost.Interpreter.Memory;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Payloads;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter;

/// <summary>
/// The process's CPython runtime: the main interpreter, initialised once on a dedicated thread that is kept for
/// finalisation, and the subinterpreters created from it. Disposing ends every live interpreter, then finalises.
/// </summary>
public sealed class PythonRuntime : IInstanceRuntimeFactory, IAsyncDisposable
{
    // CPython can be initialised once per process; a second Py_Initialize after finalisation is not supported
    // with extension modules loaded.
    private static int s_started;

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SubInterpreter, byte> _live = new();
    private readonly BlockingCollection<Action> _mainWork = [];
    private readonly Thread _mainThread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _finalized = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private nint _mainThreadState;
    private int _disposed;
    private int _givenUp;

    private PythonRuntime(PythonInstallation installation, PythonRuntimeOptions options, ILogger logger)
    {
        Installation = installation;
        _logger = logger;
        _mainThread = new Thread(() => MainThread(options), InterpreterOptions.MinimumThreadStackSize * 2)
        {
            IsBackground = true,
            Name = "python-main",
        };
    }

    public PythonInstallation Installation { get; }

    /// <summary><c>sys.version</c> of the loaded library.</summary>
    public string Version { get; private set; } = "";

    /// <summary>Interpreters created and not yet ended.</summary>
    public IReadOnlyCollection<SubInterpreter> Interpreters => _live.Keys.ToArray();

    internal nint MainInterpreter { get; private set; }

    /// <summary>The main thread's own thread state of the main interpreter (detached after initialisation); 0 before.</summary>
    internal nint MainThreadState => _mainThreadState;

    /// <summary>Each governed interpreter's policy by id, read by the process-wide audit hook (see Policy/AuditHook.cs).</summary>
    internal PolicyRegistry Policies { get; } = new();

    /// <summary>
    /// Each interpreter's blocks from the raw allocator (objects over 512 bytes among them); null when
    /// <see cref="PythonRuntimeOptions.TrackLargeAllocations"/> is off.
    /// </summary>
    internal LargeAllocations? LargeAllocations { get; private set; }

    /// <summary>Whether interpreters' large blocks are charged to them (<see cref="SubInterpreter.LargeBytes"/> is not null).</summary>
    public bool LargeAllocationsTracked => LargeAllocations is not null;

    /// <summary>Buffers for large message payloads, shared by every interpreter of this runtime.</summary>
    internal PayloadPool Payloads { get; } = new();

    /// <summary>Finds libpython, loads it and initialises the main interpreter. Once per process.</summary>
    public static PythonRuntime Start(PythonRuntimeOptions? options = null, ILogger? logger = null)
    {
        options ??= new PythonRuntimeOptions();
        var installation = options.Installation ?? PythonLocator.ForThisProcess().Locate(options.Library);
        if (Interlocked.Exchange(ref s_started, 1) != 0)
            throw new InvalidOperationException("The CPython runtime has already been started in this process; it can be initialised only once.");
        var runtime = new PythonRuntime(installation, options, logger ?? NullLogger.Instance);
        runtime._mainThread.Start();
        runtime._ready.Task.GetAwaiter().GetResult();
        return runtime;
    }

    /// <summary>
    /// Creates a subinterpreter (isolated by default) with its own thread. The <c>pluginhost</c> module imported in it
    /// reaches <paramref name="binding"/>; without one, that module's calls that need the host raise. With a
    /// <paramref name="policy"/>, the interpreter is governed by it from before its first line of code to its end.
    /// </summary>
    public Task<SubInterpreter> CreateInterpreterAsync(InterpreterOptions? options = null, IPluginBinding? binding = null, InterpreterPolicy? policy = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return SubInterpreter.StartAsync(this, options ?? new InterpreterOptions(), binding, policy);
    }

    async Task<IInstanceRuntime> IInstanceRuntimeFactory.StartAsync(InterpreterOptions options, IPluginBinding binding, InterpreterPolicy? policy) =>
        await CreateInterpreterAsync(options, binding, policy).ConfigureAwait(false);

    /// <summary>Ends every live interpreter on its own thread, then finalises CPython on the main thread.</summary>
    public ValueTask DisposeAsync() => new(ShutdownAsync(Timeout.InfiniteTimeSpan));

    /// <summary>Interpreters left running (<see cref="SubInterpreter.Abandoned"/>) that have not ended since.</summary>
    public IReadOnlyList<SubInterpreter> Abandoned => _live.Keys.Where(i => i.IsAbandoned).ToList();

    /// <summary>
    /// Ends every live interpreter, waiting at most <paramref name="timeout"/> for them (not at all for those already
    /// abandoned); finalises CPython only when all have ended (finalising under a still-running interpreter would
    /// crash). Those that did not end are abandoned, logged, and left to the process's exit. Returns whether it
    /// finalised.
    /// </summary>
    public async Task<bool> ShutdownAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return await _finalized.Task.ConfigureAwait(false) != -2;
        var live = _live.Keys.ToList();
        // Every queue is closed (an abandoned interpreter whose thread comes back then ends), but only those not
        // already given up on are waited for.
        var ending = Task.WhenAll(live.Select(i => (Task: i.DisposeAsync().AsTask(), i.IsAbandoned)).Where(e => !e.IsAbandoned).Select(e => e.Task));
        await Task.WhenAny(ending, Task.Delay(timeout)).ConfigureAwait(false);
        if (!_live.IsEmpty)
        {
            // Nothing may end from here on (SubInterpreter.End asks MayEndLate): the process exits with them running.
            Volatile.Write(ref _givenUp, 1);
            foreach (var left in _live.Keys)
            {
                left.Abandon($"it did not end within {timeout} at shutdown");
                _logger.InterpreterNotEnded(left.Id, left.Abandoned);
            }
            _logger.InterpretersLeftAtShutdown(_live.Count);
            _finalized.TrySetResult(-2);
            return false;
        }
        _mainWork.Add(FinalizeRuntime);
        _mainWork.CompleteAdding();
        var code = await _finalized.Task.ConfigureAwait(false);
        if (code != 0)
            _logger.FinalizeFailed(code);
        return true;
    }

    /// <summary>
    /// Whether an abandoned interpreter whose threads came back may still end: not once shutdown has given up on it
    /// (the process is exiting; Python must not run under .NET's exit).
    /// </summary>
    internal bool MayEndLate() => Volatile.Read(ref _givenUp) == 0;

    internal void Register(SubInterpreter interpreter) => _live[interpreter] = 0;

    internal void Unregister(SubInterpreter interpreter) => _live.TryRemove(interpreter, out _);

    private void MainThread(PythonRuntimeOptions options)
    {
        try
        {
            Initialize(options);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            return;
        }
        _ready.TrySetResult();
        foreach (var work in _mainWork.GetConsumingEnumerable())
            work();
    }

    private void Initialize(PythonRuntimeOptions options)
    {
        LibPython.Load(Installation.LibraryPath);
        RuntimeConfig.PreInitialize(Installation, options.Utf8Mode);
        // Memory: the raw allocator is wrapped right after pre-initialisation set it up, where PYTHONMALLOC=debug's hooks
        // go, and before anything the runtime keeps is allocated from it (the audit hook's entry below is).
        if (options.TrackLargeAllocations)
        {
            LargeAllocations = LargeAllocations.Install();
            // 3.12 swaps the raw allocator process-wide in every interpreter's creation, past the hook (see the class).
            StreamEncodingSwap.Disable(Installation.LibraryPath);
        }
        SdkModule.Register();
        // Policy: the native audit hook must be in place before initialisation, so no Python code can remove it.
        AuditHook.Install(Policies);
        RuntimeConfig.Initialize(Installation);
        LargeAllocations?.RuntimeInitialized = true;
        Version = Interop.Version;
        MainInterpreter = Interop.MainInterpreterState();
        var (stdlib, native) = InstallationPaths.Read();
        Policies.SetInstallation(stdlib, native);
        Policies.Bytecode.SetFrozen(InstallationPaths.FrozenModules());
        foreach (var module in options.PreloadModules)
            Preload(module);
        // Policy: the C functions CPython does not audit, guarded before the first governed interpreter exists.
        Policies.InstallGuards();
        if (Policies.Guards.Missing.Count > 0)
            _logger.GuardsMissing(string.Join(", ", Policies.Guards.Missing));
        // Release the main GIL: subinterpreter threads take it briefly while creating their interpreters.
        _mainThreadState = Interop.DetachThread();
        _logger.RuntimeStarted(Version.Split(' ')[0], Installation.LibraryPath, Installation.FoundBy);
        if (InstallationExecutable.Of(Installation) is (var executable, false))
            _logger.NoPythonExecutable(Version.Split(' ')[0], executable);
        if (KnownIssues.FinalizeFreesForeignMemory(Version))
            _logger.FinalizeCrashesHere(Version.Split(' ')[0]);
    }

    private void Preload(string module)
    {
        try
        {
            using var _ = Interop.Import(module);
        }
        catch (PythonException e)
        {
            _logger.PreloadSkipped(module, e.Message);
        }
    }

    private void FinalizeRuntime()
    {
        Interop.AttachThread(_mainThreadState);
        LargeAllocations?.RuntimeInitialized = false;
        if (KnownIssues.FinalizeFreesForeignMemory(Version))
        {
            // CPython gh-119213: finalising would free argument-parser tuples that ended subinterpreters allocated.
            // Flush what Python buffered and leave the memory to the OS instead.
            FlushStandardStreams();
            _finalized.TrySetResult(0);
            return;
        }
        _finalized.TrySetResult(Interop.FinalizeRuntime());
    }

    private static void FlushStandardStreams()
    {
        try
        {
            using var _ = Interop.Evaluate("import sys\nfor s in (sys.stdout, sys.stderr):\n    s and s.flush()", "<flush>", Interop.Py_file_input, Interop.MainModuleDict());
        }
        catch (PythonException)
        {
            // Nothing more to do: the process is going away and the streams are gone.
        }
    }
}
