using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Bindings to libpython, grouped by C-API area in partial files (Interop.Lifecycle.cs, Interop.Objects.cs, ...).
/// Each C function is imported once, privately, taking and returning <c>nint</c>; other code calls the wrappers:
/// checked ones, whose signatures say the reference ownership (<see cref="NewRef"/> new, <see cref="BorrowedRef"/>
/// borrowed, <see cref="StolenRef"/> stolen) and which throw <see cref="PythonException"/> when CPython signals an
/// error; ones documented "never throws" for calls that cannot fail; and <see cref="NoThrow"/>, the C contracts
/// unchanged, for the audit hook and guards that run inside CPython's call. A wrapper on a hot path is an
/// AggressiveInlining one-liner over its import. Every wrapper must be called with the owning interpreter's thread
/// state attached, unless its comment says otherwise. libc is <see cref="LibC"/>'s.
/// </summary>
internal static unsafe partial class Interop
{
    /// <summary>Import name mapped to the loaded libpython by <see cref="LibPython"/>'s resolver.</summary>
    internal const string Library = "pluginhost-libpython";

    internal const int Py_file_input = 257;
    internal const int Py_eval_input = 258;

    /// <summary>Throws the pending Python exception when <paramref name="result"/> is NULL; otherwise it becomes a new reference.</summary>
    internal static NewRef CheckNew(nint result) => result == 0 ? throw PythonException.FetchCurrent() : new NewRef(result);

    /// <summary>Throws the pending Python exception when <paramref name="result"/> is -1 (the C API's int error signal).</summary>
    internal static int CheckInt(int result) => result == -1 ? throw PythonException.FetchCurrent() : result;
}

/// <summary>CPython's <c>PyStatus</c>: returned by value from the initialisation API (32 bytes on x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PyStatus
{
    internal int Type;          // 0 ok, 1 error, 2 exit
    internal nint Func;         // const char*
    internal nint ErrMsg;       // const char*
    internal int ExitCode;

    internal readonly bool IsError => Type != 0;

    internal readonly string Describe() =>
        Type == 2 ? $"exit {ExitCode}" : $"{Marshal.PtrToStringUTF8(Func)}: {Marshal.PtrToStringUTF8(ErrMsg)}";
}

/// <summary>CPython's <c>PyInterpreterConfig</c> (3.12 and 3.13: seven ints).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PyInterpreterConfig
{
    internal int UseMainObmalloc;
    internal int AllowFork;
    internal int AllowExec;
    internal int AllowThreads;
    internal int AllowDaemonThreads;
    internal int CheckMultiInterpExtensions;
    internal int Gil;           // 0 default, 1 shared, 2 own
}
