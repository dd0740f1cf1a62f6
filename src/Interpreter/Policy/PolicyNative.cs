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
    internal const ulong TupleFlag = 1UL << 26;
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

    /// <summary>Reads a field of the type; never raises, never allocates: no GC transition.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
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

    /// <summary>NULL-safe; only increments a count.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial void Py_IncRef(nint o);

    /// <summary>New reference; NULL with MemoryError.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyTuple_New(nint size);

    /// <summary>Steals <paramref name="item"/> (even on failure); 0, or -1 with an exception. Only on a fresh tuple.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial int PyTuple_SetItem(nint tuple, nint index, nint item);

    /// <summary>Iterates a dict: 1 with borrowed key and value, 0 at the end. Never raises.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial int PyDict_Next(nint dict, ref nint position, out nint key, out nint value);

    /// <summary>New reference; NULL with an exception.</summary>
    [LibraryImport(Interop.Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint PyObject_GetAttrString(nint o, string name);

    /// <summary>New reference to o.name(); NULL with an exception.</summary>
    internal static nint PyObject_CallMethodNoArgs(nint o, string name)
    {
        var method = PyObject_GetAttrString(o, name);
        if (method == 0)
            return 0;
        var result = PyObject_CallNoArgs(method);
        Py_DecRef(method);
        return result;
    }

    /// <summary>New reference; NULL with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyObject_CallNoArgs(nint callable);

    /// <summary>
    /// 0 and <paramref name="status"/> filled (struct stat, 144 bytes on x86-64), or -1 (EBADF: not open). A short
    /// syscall that never blocks nor calls back into .NET: no GC transition (it runs on every guarded descriptor call).
    /// </summary>
    [LibraryImport(LibC, EntryPoint = "fstat")]
    [SuppressGCTransition]
    internal static partial int fstat(int fd, byte* status);

    /// <summary>New reference to an empty dict; NULL with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyDict_New();

    /// <summary>0, or -1 with an exception; does not steal.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial int PyDict_SetItem(nint dict, nint key, nint value);

    /// <summary>Borrowed; NULL without an exception when the key is absent (errors are swallowed).</summary>
    [LibraryImport(Interop.Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint PyDict_GetItemString(nint dict, string key);

    /// <summary>New reference to a str decoded from UTF-8; NULL with an exception.</summary>
    [LibraryImport(Interop.Library)]
    internal static partial nint PyUnicode_FromStringAndSize(byte* utf8, nint size);

    /// <summary>Sets <paramref name="type"/> (borrowed) with a UTF-8 message.</summary>
    [LibraryImport(Interop.Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void PyErr_SetString(nint type, string message);

    /// <summary>Borrowed, immortal: <c>builtin_function_or_method</c>, its METH_METHOD subtype, and <c>method_descriptor</c>.</summary>
    internal static nint CFunctionType => LibPython.Export("PyCFunction_Type");

    internal static nint CMethodType => LibPython.Export("PyCMethod_Type");

    internal static nint MethodDescriptorType => LibPython.Export("PyMethodDescr_Type");

    /// <summary>
    /// Resolves symlinks, <c>.</c> and <c>..</c> into <paramref name="resolved"/> (PATH_MAX bytes); NULL with errno
    /// (ENOENT/ENOTDIR: a component is missing; ENAMETOOLONG, ELOOP, EACCES: the real path cannot be established).
    /// </summary>
    [LibraryImport(LibC, EntryPoint = "realpath", SetLastError = true)]
    internal static partial byte* realpath(byte* path, byte* resolved);

    /// <summary>Reads a symlink (no NUL appended); the length, or -1 with errno.</summary>
    [LibraryImport(LibC, EntryPoint = "readlink", SetLastError = true)]
    internal static partial nint readlink(byte* path, byte* buffer, nint size);

    /// <summary>0, or -1 with errno; changes the protection of whole pages.</summary>
    [LibraryImport(LibC, EntryPoint = "mprotect", SetLastError = true)]
    internal static partial int mprotect(nint address, nint length, int protection);

    [LibraryImport(LibC, EntryPoint = "getpgrp")]
    [SuppressGCTransition]
    internal static partial int getpgrp();

    /// <summary>The value of an int (borrowed, may be 0); null for anything else or on overflow, the error cleared.</summary>
    internal static long? AsLong(nint o)
    {
        if (o == 0 || !Is(o, LongFlag))
            return null;
        var value = PyLong_AsLongLong(o);
        if (value == -1 && PyErr_Occurred() != 0)
        {
            PyErr_Clear();
            return null;
        }
        return value;
    }

    /// <summary>New reference to a tuple of two str; NULL with an exception.</summary>
    internal static nint BuildTuple(string first, string second)
    {
        var tuple = PyTuple_New(2);
        if (tuple == 0)
            return 0;
        if (PyTuple_SetItem(tuple, 0, NewString(first)) != 0 || PyTuple_SetItem(tuple, 1, NewString(second)) != 0)
        {
            Py_DecRef(tuple);
            return 0;
        }
        return tuple;
    }

    /// <summary>New reference; NULL with an exception (which PyTuple_SetItem then passes on).</summary>
    private static nint NewString(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
            return PyUnicode_FromStringAndSize(p, bytes.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Is(nint o, ulong flag) => (PyType_GetFlags(Interop.TypeOf(o)) & flag) != 0;
}
