using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The few C-API and libc calls the audit hook makes, raw and unchecked: the hook runs inside CPython's call, so it
/// reads borrowed references, signals failure by its return value, and never throws a <see cref="PythonException"/>.
/// </summary>
internal static unsafe partial class PolicyNative
{
    private const string LibC = "libc.so.6";

    internal const ulong LongFlag = 1UL << 24;
    internal const ulong BytesFlag = 1UL << 27;
    internal const ulong UnicodeFlag = 1UL << 28;

    /// <summary>Borrowed; the attached thread state's interpreter. Reads a thread-local: no GC transition needed.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial nint PyInterpreterState_Get();

    /// <summary>The interpreter's id; reads a field.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial long PyInterpreterState_GetID(nint interp);

    /// <summary>-1 with an exception when not a tuple.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyTuple_Size(nint tuple);

    /// <summary>Borrowed; NULL with IndexError when out of range.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyTuple_GetItem(nint tuple, nint index);

    [LibraryImport(Interop.Library)]
    internal static partial ulong PyType_GetFlags(nint type);

    /// <summary>Pointer into the str's cached UTF-8 (NUL-terminated); NULL with an exception (e.g. lone surrogates).</summary>
    [LibraryImport(Interop.Library)]
    internal static partial byte* PyUnicode_AsUTF8AndSize(nint o, out nint size);

    /// <summary>New reference: the str encoded with the file system encoding and surrogateescape; NULL on error.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyUnicode_EncodeFSDefault(nint o);

    /// <summary>0 and a pointer into the bytes object (NUL-terminated); -1 with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial int PyBytes_AsStringAndSize(nint o, out byte* buffer, out nint length);

    /// <summary>New reference: str or bytes from a path-like object (calls <c>__fspath__</c>); NULL with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyOS_FSPath(nint path);

    /// <summary>-1 with an exception on overflow or a non-integer.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial long PyLong_AsLongLong(nint o);

    /// <summary>New reference to repr(o); NULL with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyObject_Repr(nint o);

    [LibraryImport(Interop.Library)]
    internal static partial nint PyErr_Occurred();

    [LibraryImport(Interop.Library)]
    internal static partial void PyErr_Clear();

    [LibraryImport(Interop.Library)]
    internal static partial void Py_DecRef(nint o);

    /// <summary>Resolves symlinks, <c>.</c> and <c>..</c> into <paramref name="resolved"/> (PATH_MAX bytes); NULL when a component does not exist.</summary>
    [LibraryImport(LibC, EntryPoint = "realpath")]
    internal static partial byte* realpath(byte* path, byte* resolved);

    [LibraryImport(LibC, EntryPoint = "getpgrp")]
    [SuppressGCTransition]
    internal static partial int getpgrp();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Is(nint o, ulong flag) => (PyType_GetFlags(Interop.TypeOf(o)) & flag) != 0;
}
