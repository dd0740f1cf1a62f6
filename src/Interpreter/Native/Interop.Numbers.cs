using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// int, float and bool (longobject.h, floatobject.h, boolobject.h).
internal static unsafe partial class Interop
{
    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyLong_FromLongLong(long value);

    /// <summary>-1 with an exception set on error (OverflowError when out of range); -1 is also a valid value.</summary>
    [LibraryImport(Library)]
    private static partial long PyLong_AsLongLong(nint o);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyFloat_FromDouble(double value);

    /// <summary>-1.0 with an exception set on error; -1.0 is also a valid value.</summary>
    [LibraryImport(Library)]
    private static partial double PyFloat_AsDouble(nint o);

    internal static NewRef NewLong(long value) => CheckNew(PyLong_FromLongLong(value));

    internal static NewRef NewFloat(double value) => CheckNew(PyFloat_FromDouble(value));

    internal static NewRef NewBool(bool value)
    {
        var o = value ? LibPython.TrueObject : LibPython.FalseObject;
        IncRef(o);
        return new NewRef(o);
    }

    /// <summary>The int's value, or null when it does not fit in 64 bits (the overflow is cleared).</summary>
    internal static long? AsLong(BorrowedRef o)
    {
        var value = PyLong_AsLongLong(o.Pointer);
        if (value == -1 && PyErr_Occurred() != 0)
        {
            if (PyErr_ExceptionMatches(Export<nint>("PyExc_OverflowError")) == 1)
            {
                PyErr_Clear();
                return null;
            }
            throw PythonException.FetchCurrent();
        }
        return value;
    }

    internal static double AsDouble(BorrowedRef o)
    {
        var value = PyFloat_AsDouble(o.Pointer);
        if (value == -1.0 && PyErr_Occurred() != 0)
            throw PythonException.FetchCurrent();
        return value;
    }

    internal static bool IsFloat(nint o) => TypeOf(o) == LibPython.FloatType || IsSubtype(TypeOf(o), LibPython.FloatType);

    private static T Export<T>(string name) where T : unmanaged => *(T*)LibPython.Export(name);
}
