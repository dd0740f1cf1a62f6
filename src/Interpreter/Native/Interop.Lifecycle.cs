using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Initialisation, finalisation, thread states and subinterpreters (pylifecycle.h, cpython/initconfig.h, pystate.h).
internal static unsafe partial class Interop
{
    /// <summary>Fills a PyConfig with the isolated preset: no env vars, no user site, no signal handlers. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyConfig_InitIsolatedConfig(nint config);

    /// <summary>Copies a wide string into a PyConfig field; the status says whether memory ran out.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial PyStatus PyConfig_SetBytesString(nint config, nint field, string value);

    [LibraryImport(Library)]
    private static partial PyStatus Py_InitializeFromConfig(nint config);

    /// <summary>Frees what PyConfig_Set* allocated. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyConfig_Clear(nint config);

    /// <summary>Must run on the thread that initialised, with the main thread state attached. -1 when flushing buffered data failed.</summary>
    [LibraryImport(Library)]
    private static partial int Py_FinalizeEx();

    /// <summary>Static string owned by CPython.</summary>
    [LibraryImport(Library)]
    private static partial nint Py_GetVersion();

    /// <summary>Registers a builtin module before initialisation; name and init function must live for the process. -1 on allocation failure.</summary>
    [LibraryImport(Library)]
    private static partial int PyImport_AppendInittab(nint name, nint initFunction);

    /// <summary>Process-wide native audit hook; only before initialisation. -1 if refused (and no exception when no thread state).</summary>
    [LibraryImport(Library)]
    private static partial int PySys_AddAuditHook(nint hook, nint userData);

    /// <summary>Detaches the current thread state and releases its GIL; returns the detached state (borrowed, still ours).</summary>
    [LibraryImport(Library)]
    private static partial nint PyEval_SaveThread();

    /// <summary>Takes the thread state's GIL (blocking) and attaches it. Cannot fail (aborts the thread if finalising).</summary>
    [LibraryImport(Library)]
    private static partial void PyEval_RestoreThread(nint tstate);

    /// <summary>A new thread state for <paramref name="interp"/>, owned by the caller; needs no GIL.</summary>
    [LibraryImport(Library)]
    private static partial nint PyThreadState_New(nint interp);

    /// <summary>Requires the interpreter's GIL. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyThreadState_Clear(nint tstate);

    /// <summary>Deletes the current (attached, cleared) thread state and releases the GIL. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyThreadState_DeleteCurrent();

    /// <summary>Borrowed; the main interpreter lives until finalisation.</summary>
    [LibraryImport(Library)]
    private static partial nint PyInterpreterState_Main();

    /// <summary>Borrowed; the interpreter of the attached thread state. Reads a thread-local: no GC transition needed.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial nint PyInterpreterState_Get();

    /// <summary>The interpreter's id (a field read); -1 with an exception only for NULL. No GC transition needed.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial long PyInterpreterState_GetID(nint interp);

    /// <summary>
    /// Needs a main-interpreter thread state attached; on success the new interpreter's thread state is attached
    /// (holding its own GIL when config.gil = own) and written to <paramref name="tstate"/>.
    /// </summary>
    [LibraryImport(Library)]
    private static partial PyStatus Py_NewInterpreterFromConfig(out nint tstate, in PyInterpreterConfig config);

    /// <summary>Ends the interpreter of the attached <paramref name="tstate"/>; afterwards no thread state is attached. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void Py_EndInterpreter(nint tstate);

    /// <summary>pthread_self() as CPython records it in its thread states. Cannot fail; no GC transition needed.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial nuint PyThread_get_thread_ident();

    /// <summary>
    /// Schedules <paramref name="exceptionType"/> (borrowed; NULL clears a pending one) to be raised in the thread state
    /// of the current interpreter whose thread is <paramref name="threadId"/>; returns how many were modified. Needs
    /// that interpreter's GIL.
    /// </summary>
    [LibraryImport(Library)]
    private static partial int PyThreadState_SetAsyncExc(nuint threadId, nint exceptionType);

    internal static string Version => Marshal.PtrToStringUTF8(Py_GetVersion()) ?? "";

    /// <summary>The loaded CPython's minor version (PY_MINOR_VERSION of the library, not of headers we never had).</summary>
    internal static int MinorVersion => s_minorVersion ??= KnownIssues.ParseVersion(Version)?.Minor
        ?? throw new InvalidOperationException($"Cannot read CPython's version from '{Version}'.");

    // One libpython per process; written once (racing writers write the same value).
    private static int? s_minorVersion;

    internal static void InitIsolatedConfig(nint config) => PyConfig_InitIsolatedConfig(config);

    internal static PyStatus SetConfigString(nint config, nint field, string value) => PyConfig_SetBytesString(config, field, value);

    internal static PyStatus InitializeFromConfig(nint config) => Py_InitializeFromConfig(config);

    internal static void ClearConfig(nint config) => PyConfig_Clear(config);

    /// <summary>Py_FinalizeEx: 0, or -1 when flushing buffered data failed. Main thread state attached.</summary>
    internal static int FinalizeRuntime() => Py_FinalizeEx();

    /// <summary>Registers a builtin module before initialisation; false on allocation failure.</summary>
    internal static bool AppendInittab(nint name, nint initFunction) => PyImport_AppendInittab(name, initFunction) == 0;

    /// <summary>Adds the process-wide native audit hook (before initialisation); false when refused.</summary>
    internal static bool AddAuditHook(nint hook, nint userData) => PySys_AddAuditHook(hook, userData) == 0;

    /// <summary>
    /// Detaches this thread's state and releases its GIL; returns the state. For a release that ends in the same
    /// scope use <see cref="Gil.Release"/>; this is for hand-overs that span methods (start-up, end).
    /// </summary>
    internal static nint DetachThread() => PyEval_SaveThread();

    /// <summary>Takes <paramref name="tstate"/>'s GIL (blocking) and attaches it; see <see cref="DetachThread"/>.</summary>
    internal static void AttachThread(nint tstate) => PyEval_RestoreThread(tstate);

    /// <summary>A new thread state for <paramref name="interp"/>, owned by the caller (not attached); needs no GIL.</summary>
    internal static nint NewThreadState(nint interp) => PyThreadState_New(interp);

    /// <summary>Clears and deletes <paramref name="tstate"/>, which must be the attached one; releases its GIL.</summary>
    internal static void DeleteAttachedThreadState(nint tstate)
    {
        PyThreadState_Clear(tstate);
        PyThreadState_DeleteCurrent();
    }

    /// <summary>Borrowed; the main interpreter.</summary>
    internal static nint MainInterpreterState() => PyInterpreterState_Main();

    /// <summary>Borrowed; the interpreter of the attached thread state. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint CurrentInterpreterState() => PyInterpreterState_Get();

    /// <summary>The id of <paramref name="interp"/> (not NULL). Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long InterpreterId(nint interp) => PyInterpreterState_GetID(interp);

    /// <summary>The id of the attached thread state's interpreter. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long CurrentInterpreterId() => PyInterpreterState_GetID(PyInterpreterState_Get());

    /// <summary>
    /// Creates a subinterpreter (main-interpreter state attached): on success its thread state is attached and
    /// returned in <paramref name="tstate"/>.
    /// </summary>
    internal static PyStatus NewInterpreter(in PyInterpreterConfig config, out nint tstate) => Py_NewInterpreterFromConfig(out tstate, in config);

    /// <summary>Ends the interpreter of the attached <paramref name="tstate"/>; no thread state is attached afterwards.</summary>
    internal static void EndInterpreter(nint tstate) => Py_EndInterpreter(tstate);

    /// <summary>This OS thread's identifier as CPython records it. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nuint CurrentThreadIdent() => PyThread_get_thread_ident();

    /// <summary>
    /// Schedules <paramref name="exceptionType"/> (borrowed; 0 clears a pending one) in the current interpreter's
    /// thread <paramref name="threadId"/>; how many thread states were modified. Needs that interpreter's GIL.
    /// </summary>
    internal static int SetAsyncException(nuint threadId, nint exceptionType) => PyThreadState_SetAsyncExc(threadId, exceptionType);
}
