using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Initialisation, finalisation, thread states and subinterpreters (pylifecycle.h, cpython/initconfig.h, pystate.h).
internal static unsafe partial class Interop
{
    /// <summary>Fills a PyConfig with the isolated preset: no env vars, no user site, no signal handlers. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void PyConfig_InitIsolatedConfig(nint config);

    /// <summary>Copies a wide string into a PyConfig field; the status says whether memory ran out.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial PyStatus PyConfig_SetBytesString(nint config, nint field, string value);

    [LibraryImport(Library)]
    internal static partial PyStatus Py_InitializeFromConfig(nint config);

    /// <summary>Frees what PyConfig_Set* allocated. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void PyConfig_Clear(nint config);

    /// <summary>Must run on the thread that initialised, with the main thread state attached. -1 when flushing buffered data failed.</summary>
    [LibraryImport(Library)]
    internal static partial int Py_FinalizeEx();

    /// <summary>Static string owned by CPython.</summary>
    [LibraryImport(Library)]
    internal static partial nint Py_GetVersion();

    /// <summary>Registers a builtin module before initialisation; name and init function must live for the process. -1 on allocation failure.</summary>
    [LibraryImport(Library)]
    internal static partial int PyImport_AppendInittab(nint name, nint initFunction);

    /// <summary>Process-wide native audit hook; only before initialisation. -1 if refused (and no exception when no thread state).</summary>
    [LibraryImport(Library)]
    internal static partial int PySys_AddAuditHook(nint hook, nint userData);

    /// <summary>Detaches the current thread state and releases its GIL; returns the detached state (borrowed, still ours).</summary>
    [LibraryImport(Library)]
    internal static partial nint PyEval_SaveThread();

    /// <summary>Takes the thread state's GIL (blocking) and attaches it. Cannot fail (aborts the thread if finalising).</summary>
    [LibraryImport(Library)]
    internal static partial void PyEval_RestoreThread(nint tstate);

    /// <summary>A new thread state for <paramref name="interp"/>, owned by the caller; needs no GIL.</summary>
    [LibraryImport(Library)]
    internal static partial nint PyThreadState_New(nint interp);

    /// <summary>Requires the interpreter's GIL. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void PyThreadState_Clear(nint tstate);

    /// <summary>Deletes the current (attached, cleared) thread state and releases the GIL. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void PyThreadState_DeleteCurrent();

    /// <summary>Borrowed; the main interpreter lives until finalisation.</summary>
    [LibraryImport(Library)]
    internal static partial nint PyInterpreterState_Main();

    /// <summary>Borrowed; the interpreter of the attached thread state.</summary>
    [LibraryImport(Library)]
    internal static partial nint PyInterpreterState_Get();

    /// <summary>-1 with an exception set on error.</summary>
    [LibraryImport(Library)]
    internal static partial long PyInterpreterState_GetID(nint interp);

    /// <summary>
    /// Needs a main-interpreter thread state attached; on success the new interpreter's thread state is attached
    /// (holding its own GIL when config.gil = own) and written to <paramref name="tstate"/>.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial PyStatus Py_NewInterpreterFromConfig(out nint tstate, in PyInterpreterConfig config);

    /// <summary>Ends the interpreter of the attached <paramref name="tstate"/>; afterwards no thread state is attached. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void Py_EndInterpreter(nint tstate);

    /// <summary>The calling OS thread's identifier as CPython records it in its thread states. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial nuint PyThread_get_thread_ident();

    /// <summary>
    /// Schedules <paramref name="exceptionType"/> (borrowed; NULL clears a pending one) to be raised in the thread state
    /// of the current interpreter whose thread is <paramref name="threadId"/>; returns how many were modified. Needs
    /// that interpreter's GIL.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial int PyThreadState_SetAsyncExc(nuint threadId, nint exceptionType);

    internal static string Version => Marshal.PtrToStringUTF8(Py_GetVersion()) ?? "";
}
