using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>Whether a subinterpreter has its own GIL (PEP 684) or shares the main interpreter's.</summary>
public enum InterpreterGil
{
    Own,
    Shared,
}

/// <summary>
/// How a subinterpreter is created; maps onto CPython's <c>PyInterpreterConfig</c>. The defaults are the isolated
/// configuration: own GIL, own object allocator, only multi-phase extension modules, no fork, no exec, no daemon threads.
/// </summary>
public sealed record InterpreterOptions
{
    /// <summary>CPython needs deep native stacks for deep recursion; 1 MiB overflowed and killed the process.</summary>
    public const int MinimumThreadStackSize = 8 * 1024 * 1024;

    /// <summary>Name of the owning OS thread, for debuggers and logs.</summary>
    public string? Name { get; init; }

    public InterpreterGil Gil { get; init; } = InterpreterGil.Own;

    public bool UseMainObmalloc { get; init; }

    public bool AllowFork { get; init; }

    public bool AllowExec { get; init; }

    public bool AllowThreads { get; init; } = true;

    public bool AllowDaemonThreads { get; init; }

    public bool CheckMultiInterpExtensions { get; init; } = true;

    public int ThreadStackSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Runs in the process's main interpreter instead of a new subinterpreter (the isolation settings above then do
    /// not apply): for a process that serves one plugin instance, a worker, so that single-phase-init extension
    /// modules load. One at a time per process; at its end its thread state is dropped and the interpreter stays for
    /// the runtime's finalisation.
    /// </summary>
    public bool MainInterpreter { get; init; }

    /// <summary>
    /// At its end, how long threads the interpreter's code started (<c>threading</c> or <c>_thread</c>) get to stop
    /// once told to (<c>SystemExit</c>); past it the interpreter is left running (abandoned) rather than ended under
    /// them, which would abort the process. Whoever waits for the interpreter to end must wait longer than this (the
    /// host: a quarter of StopTimeout against an end wait of at least half), so that such an interpreter gives up and
    /// is abandoned before its waiter does, and <c>Py_EndInterpreter</c> never runs while the process is exiting.
    /// </summary>
    public TimeSpan ThreadEndTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Rejects combinations CPython documents as invalid (some of which 3.13.0 accepts anyway) and ones the host
    /// cannot run safely; the message lists every problem.
    /// </summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Gil == InterpreterGil.Own && UseMainObmalloc)
            problems.Add("an interpreter with its own GIL needs its own object allocator: set UseMainObmalloc = false (CPython 3.13.0 does not reject this itself, and it corrupts memory)");
        if (!UseMainObmalloc && !CheckMultiInterpExtensions)
            problems.Add("an interpreter with its own object allocator cannot load single-phase-init extension modules: set CheckMultiInterpExtensions = true");
        if (AllowDaemonThreads && !AllowThreads)
            problems.Add("AllowDaemonThreads needs AllowThreads");
        if (AllowFork && Gil == InterpreterGil.Own)
            problems.Add("fork from an interpreter with its own GIL would leave the child with GILs held by threads that no longer exist: keep AllowFork = false");
        if (ThreadStackSize < MinimumThreadStackSize)
            problems.Add($"ThreadStackSize {ThreadStackSize} is below the minimum of {MinimumThreadStackSize} bytes that deep Python recursion needs");
        if (ThreadEndTimeout <= TimeSpan.Zero)
            problems.Add($"ThreadEndTimeout {ThreadEndTimeout} must be positive");
        if (problems.Count > 0)
            throw new ArgumentException("Invalid interpreter options: " + string.Join("; ", problems) + ".");
    }

    internal PyInterpreterConfig ToNative()
    {
        Validate();
        return new PyInterpreterConfig
        {
            UseMainObmalloc = UseMainObmalloc ? 1 : 0,
            AllowFork = AllowFork ? 1 : 0,
            AllowExec = AllowExec ? 1 : 0,
            AllowThreads = AllowThreads ? 1 : 0,
            AllowDaemonThreads = AllowDaemonThreads ? 1 : 0,
            CheckMultiInterpExtensions = CheckMultiInterpExtensions ? 1 : 0,
            Gil = Gil == InterpreterGil.Own ? 2 : 1,
        };
    }
}
