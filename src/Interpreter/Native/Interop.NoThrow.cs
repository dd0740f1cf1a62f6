using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

internal static unsafe partial class Interop
{
    /// <summary>
    /// Never-throwing variants for code that runs inside CPython's own call: the native audit hook and the guards
    /// (<c>[UnmanagedCallersOnly]</c> callbacks), where a .NET exception would kill the process and a Python error
    /// must be left in the indicator, not converted. Each keeps its C name and its C contract exactly (a NULL or -1
    /// return with the error indicator set; borrowed, new or stolen as the comment says) and is a one-line call of
    /// the one private import <see cref="Interop"/> declares; nothing here throws <see cref="PythonException"/>.
    /// </summary>
    internal static partial class NoThrow
    {
        /// <summary>-1 with an exception when not a tuple.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static nint PyTuple_Size(nint tuple) => Interop.PyTuple_Size(tuple);

        /// <summary>Borrowed; NULL with IndexError when out of range.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static nint PyTuple_GetItem(nint tuple, nint index) => Interop.PyTuple_GetItem(tuple, index);

        /// <summary>New reference; NULL with MemoryError.</summary>
        internal static nint PyTuple_New(nint size) => Interop.PyTuple_New(size);

        /// <summary>Steals <paramref name="item"/> (even on failure); 0, or -1 with an exception. Only on a fresh tuple.</summary>
        internal static int PyTuple_SetItem(nint tuple, nint index, StolenRef item) => Interop.PyTuple_SetItem(tuple, index, item.Pointer);

        /// <summary>Pointer into the str's cached UTF-8 (NUL-terminated); NULL with an exception (e.g. lone surrogates).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static byte* PyUnicode_AsUTF8AndSize(nint o, out nint size) => Interop.PyUnicode_AsUTF8AndSize(o, out size);

        /// <summary>New reference: the str encoded with the file system encoding and surrogateescape; NULL on error.</summary>
        internal static nint PyUnicode_EncodeFSDefault(nint o) => Interop.PyUnicode_EncodeFSDefault(o);

        /// <summary>0 and a pointer into the bytes object (NUL-terminated); -1 with an exception.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int PyBytes_AsStringAndSize(nint o, out byte* buffer, out nint length) => Interop.PyBytes_AsStringAndSize(o, out buffer, out length);

        /// <summary>New reference: str or bytes from a path-like object (calls <c>__fspath__</c>); NULL with an exception.</summary>
        internal static nint PyOS_FSPath(nint path) => Interop.PyOS_FSPath(path);

        /// <summary>-1 with an exception on overflow or a non-integer.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static long PyLong_AsLongLong(nint o) => Interop.PyLong_AsLongLong(o);

        /// <summary>New reference to repr(o); NULL with an exception.</summary>
        internal static nint PyObject_Repr(nint o) => Interop.PyObject_Repr(o);

        /// <summary>Borrowed; NULL when no error is set.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static nint PyErr_Occurred() => Interop.PyErr_Occurred();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void PyErr_Clear() => Interop.PyErr_Clear();

        /// <summary>Iterates a dict: 1 with borrowed key and value, 0 at the end. Never raises.</summary>
        internal static int PyDict_Next(nint dict, ref nint position, out nint key, out nint value) => Interop.PyDict_Next(dict, ref position, out key, out value);

        /// <summary>New reference to an empty dict; NULL with an exception.</summary>
        internal static nint PyDict_New() => Interop.PyDict_New();

        /// <summary>0, or -1 with an exception; does not steal.</summary>
        internal static int PyDict_SetItem(nint dict, nint key, nint value) => Interop.PyDict_SetItem(dict, key, value);

        /// <summary>Borrowed; NULL without an exception when the key is absent (errors are swallowed).</summary>
        internal static nint PyDict_GetItemString(nint dict, string key) => Interop.PyDict_GetItemString(dict, key);

        /// <summary>New reference; NULL with an exception.</summary>
        internal static nint PyObject_GetAttrString(nint o, string name) => Interop.PyObject_GetAttrString(o, name);

        /// <summary>New reference to o.name(); NULL with an exception.</summary>
        internal static nint PyObject_CallMethodNoArgs(nint o, string name)
        {
            var method = Interop.PyObject_GetAttrString(o, name);
            if (method == 0)
                return 0;
            var result = Interop.PyObject_CallNoArgs(method);
            Py_DecRef(method);
            return result;
        }

        /// <summary>The value of an int (borrowed, may be 0); null for anything else or on overflow, the error cleared.</summary>
        internal static long? AsLong(nint o)
        {
            if (o == 0 || !HasTypeFlag(o, Py_TPFLAGS_LONG_SUBCLASS))
                return null;
            var value = Interop.PyLong_AsLongLong(o);
            if (value == -1 && Interop.PyErr_Occurred() != 0)
            {
                Interop.PyErr_Clear();
                return null;
            }
            return value;
        }

        /// <summary>New reference to a tuple of two str; NULL with an exception.</summary>
        internal static nint BuildTuple(string first, string second)
        {
            var tuple = Interop.PyTuple_New(2);
            if (tuple == 0)
                return 0;
            if (Interop.PyTuple_SetItem(tuple, 0, NewString(first)) != 0 || Interop.PyTuple_SetItem(tuple, 1, NewString(second)) != 0)
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
                return Interop.PyUnicode_FromStringAndSize(p, bytes.Length);
        }
    }

    /// <summary>New reference; NULL with an exception.</summary>
    [LibraryImport(Library)]
    private static partial nint PyObject_CallNoArgs(nint callable);

    /// <summary>New reference: the str encoded with the file system encoding and surrogateescape; NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyUnicode_EncodeFSDefault(nint o);

    /// <summary>New reference: str or bytes from a path-like object (calls <c>__fspath__</c>); NULL with an exception.</summary>
    [LibraryImport(Library)]
    private static partial nint PyOS_FSPath(nint path);
}
