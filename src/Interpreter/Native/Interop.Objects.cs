using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Reference counting, attributes, calls and type checks (object.h, abstract.h).
internal static unsafe partial class Interop
{
    /// <summary>
    /// The exported function, not the header macro (which depends on the build's object layout). NULL-safe. No GC
    /// transition: it only increments a count (never calls back into .NET, never blocks).
    /// </summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial void Py_IncRef(nint o);

    /// <summary>The exported function, NULL-safe. May run a destructor (any code): it keeps the GC transition.</summary>
    [LibraryImport(Library)]
    private static partial void Py_DecRef(nint o);

    /// <summary>Takes a reference to <paramref name="o"/> (0 allowed). Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IncRef(nint o) => Py_IncRef(o);

    /// <summary>Drops a reference to <paramref name="o"/> (0 allowed). Never throws (a destructor's error is CPython's to report).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecRef(nint o) => Py_DecRef(o);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint PyObject_GetAttrString(nint o, string name);

    /// <summary>0 on success, -1 on error. Does not steal <paramref name="value"/>.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PyObject_SetAttrString(nint o, string name, nint value);

    /// <summary>1 if present, 0 if not; never raises.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PyObject_HasAttrString(nint o, string name);

    /// <summary>New reference, NULL on error. <paramref name="kwargs"/> may be NULL.</summary>
    [LibraryImport(Library)]
    private static partial nint PyObject_Call(nint callable, nint args, nint kwargs);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyObject_Str(nint o);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyObject_Repr(nint o);

    /// <summary>1 true, 0 false, -1 error.</summary>
    [LibraryImport(Library)]
    private static partial int PyObject_IsTrue(nint o);

    /// <summary>1 if callable, 0 if not; never raises.</summary>
    [LibraryImport(Library)]
    private static partial int PyCallable_Check(nint o);

    /// <summary>Reads a field of the type; never raises, never allocates: no GC transition.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial ulong PyType_GetFlags(nint type);

    /// <summary>1 if <paramref name="a"/> is a subtype of <paramref name="b"/>; never raises.</summary>
    [LibraryImport(Library)]
    private static partial int PyType_IsSubtype(nint a, nint b);

    /// <summary>New reference to the type's __name__ (3.11+), NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_GetName(nint type);

    internal const ulong Py_TPFLAGS_LONG_SUBCLASS = 1UL << 24;
    internal const ulong Py_TPFLAGS_LIST_SUBCLASS = 1UL << 25;
    internal const ulong Py_TPFLAGS_TUPLE_SUBCLASS = 1UL << 26;
    internal const ulong Py_TPFLAGS_BYTES_SUBCLASS = 1UL << 27;
    internal const ulong Py_TPFLAGS_UNICODE_SUBCLASS = 1UL << 28;
    internal const ulong Py_TPFLAGS_DICT_SUBCLASS = 1UL << 29;
    internal const ulong Py_TPFLAGS_TYPE_SUBCLASS = 1UL << 31;

    /// <summary>
    /// Borrowed type of <paramref name="o"/>: <c>ob_type</c> follows the 8-byte <c>ob_refcnt</c> in the default
    /// (GIL) build of 3.12 and 3.13; free-threaded builds are not supported.
    /// </summary>
    internal static nint TypeOf(nint o) => *(nint*)(o + sizeof(nint));

    /// <summary>Whether the type of <paramref name="o"/> (not NULL) has <paramref name="flag"/>. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool HasTypeFlag(nint o, ulong flag) => (PyType_GetFlags(TypeOf(o)) & flag) != 0;

    /// <summary>Whether <paramref name="a"/> is <paramref name="b"/> or a subtype of it (both types). Never throws.</summary>
    internal static bool IsSubtype(nint a, nint b) => PyType_IsSubtype(a, b) == 1;

    internal static NewRef GetAttr(BorrowedRef o, string name) => CheckNew(PyObject_GetAttrString(o.Pointer, name));

    internal static bool HasAttr(BorrowedRef o, string name) => PyObject_HasAttrString(o.Pointer, name) == 1;

    internal static void SetAttr(BorrowedRef o, string name, BorrowedRef value) => CheckInt(PyObject_SetAttrString(o.Pointer, name, value.Pointer));

    internal static NewRef Call(BorrowedRef callable, BorrowedRef argsTuple, BorrowedRef kwargs = default) =>
        CheckNew(PyObject_Call(callable.Pointer, argsTuple.Pointer, kwargs.Pointer));

    internal static bool IsCallable(BorrowedRef o) => PyCallable_Check(o.Pointer) == 1;

    /// <summary>str(o) as a .NET string.</summary>
    internal static string Str(BorrowedRef o)
    {
        using var s = StrObject(o);
        return AsString(s.Borrow());
    }

    /// <summary>str(o): a new reference.</summary>
    internal static NewRef StrObject(BorrowedRef o) => CheckNew(PyObject_Str(o.Pointer));

    internal static string Repr(BorrowedRef o)
    {
        using var s = CheckNew(PyObject_Repr(o.Pointer));
        return AsString(s.Borrow());
    }

    internal static string TypeName(nint type)
    {
        using var name = CheckNew(PyType_GetName(type));
        return AsString(name.Borrow());
    }

    /// <summary>A new reference to None.</summary>
    internal static NewRef NewNone()
    {
        IncRef(LibPython.NoneObject);
        return new NewRef(LibPython.NoneObject);
    }
}
