using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// tuple, list and dict (tupleobject.h, listobject.h, dictobject.h).
internal static unsafe partial class Interop
{
    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyTuple_New(nint size);

    /// <summary>Steals <paramref name="item"/> (even on failure); 0 on success, -1 on error.</summary>
    [LibraryImport(Library)]
    private static partial int PyTuple_SetItem(nint tuple, nint index, nint item);

    /// <summary>-1 on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyTuple_Size(nint tuple);

    /// <summary>Borrowed reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyTuple_GetItem(nint tuple, nint index);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyList_New(nint size);

    /// <summary>Steals <paramref name="item"/> (even on failure); 0 on success, -1 on error.</summary>
    [LibraryImport(Library)]
    private static partial int PyList_SetItem(nint list, nint index, nint item);

    /// <summary>-1 on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyList_Size(nint list);

    /// <summary>Borrowed reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyList_GetItem(nint list, nint index);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyDict_New();

    /// <summary>Does not steal; 0 on success, -1 on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PyDict_SetItemString(nint dict, string key, nint value);

    /// <summary>Does not steal; 0 on success, -1 on error.</summary>
    [LibraryImport(Library)]
    private static partial int PyDict_SetItem(nint dict, nint key, nint value);

    /// <summary>
    /// Iterates: returns 1 with borrowed key/value, 0 at the end; never raises. The dict must not change meanwhile.
    /// </summary>
    [LibraryImport(Library)]
    private static partial int PyDict_Next(nint dict, ref nint position, out nint key, out nint value);

    /// <summary>-1 on error (not a dict).</summary>
    [LibraryImport(Library)]
    private static partial nint PyDict_Size(nint dict);

    /// <summary>Borrowed reference, NULL when missing or on error (check PyErr_Occurred).</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint PyDict_GetItemString(nint dict, string key);

    /// <summary>Borrowed reference, NULL when missing (never raises for a hashable key such as int).</summary>
    [LibraryImport(Library)]
    private static partial nint PyDict_GetItem(nint dict, nint key);

    /// <summary>0 on success, -1 on error (KeyError when missing).</summary>
    [LibraryImport(Library)]
    private static partial int PyDict_DelItem(nint dict, nint key);

    /// <summary>Borrowed value or null pointer when absent.</summary>
    internal static BorrowedRef DictGet(BorrowedRef dict, BorrowedRef key) => new(PyDict_GetItem(dict.Pointer, key.Pointer));

    /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
    internal static bool DictRemove(BorrowedRef dict, BorrowedRef key)
    {
        if (PyDict_DelItem(dict.Pointer, key.Pointer) == 0)
            return true;
        if (PyErr_ExceptionMatches(LibPython.KeyErrorType) == 1)
        {
            PyErr_Clear();
            return false;
        }
        throw PythonException.FetchCurrent();
    }

    internal static NewRef NewTuple(int size) => CheckNew(PyTuple_New(size));

    /// <summary>Puts <paramref name="item"/> into a fresh tuple, which takes the reference (even when it fails).</summary>
    internal static void TupleSet(BorrowedRef tuple, int index, StolenRef item) => CheckInt(PyTuple_SetItem(tuple.Pointer, index, item.Pointer));

    internal static int TupleSize(BorrowedRef tuple) => checked((int)CheckSize(PyTuple_Size(tuple.Pointer)));

    internal static BorrowedRef TupleItem(BorrowedRef tuple, int index) => new(CheckBorrowed(PyTuple_GetItem(tuple.Pointer, index)));

    internal static NewRef NewList(int size) => CheckNew(PyList_New(size));

    /// <summary>Puts <paramref name="item"/> into a fresh list, which takes the reference (even when it fails).</summary>
    internal static void ListSet(BorrowedRef list, int index, StolenRef item) => CheckInt(PyList_SetItem(list.Pointer, index, item.Pointer));

    internal static int ListSize(BorrowedRef list) => checked((int)CheckSize(PyList_Size(list.Pointer)));

    internal static BorrowedRef ListItem(BorrowedRef list, int index) => new(CheckBorrowed(PyList_GetItem(list.Pointer, index)));

    internal static NewRef NewDict() => CheckNew(PyDict_New());

    internal static void DictSet(BorrowedRef dict, string key, BorrowedRef value) => CheckInt(PyDict_SetItemString(dict.Pointer, key, value.Pointer));

    internal static void DictSet(BorrowedRef dict, BorrowedRef key, BorrowedRef value) => CheckInt(PyDict_SetItem(dict.Pointer, key.Pointer, value.Pointer));

    /// <summary>Borrowed value or null pointer when absent.</summary>
    internal static BorrowedRef DictGet(BorrowedRef dict, string key)
    {
        var p = PyDict_GetItemString(dict.Pointer, key);
        if (p == 0 && PyErr_Occurred() != 0)
            throw PythonException.FetchCurrent();
        return new BorrowedRef(p);
    }

    internal static long DictSize(BorrowedRef dict) => CheckSize(PyDict_Size(dict.Pointer));

    internal static bool DictNext(BorrowedRef dict, ref nint position, out nint key, out nint value) =>
        PyDict_Next(dict.Pointer, ref position, out key, out value) == 1;

    private static nint CheckSize(nint size) => size == -1 ? throw PythonException.FetchCurrent() : size;

    private static nint CheckBorrowed(nint p) => p == 0 ? throw PythonException.FetchCurrent() : p;
}
