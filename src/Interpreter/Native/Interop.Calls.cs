using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Vectorcall and the buffer protocol (abstract.h, pybuffer.h).
internal static unsafe partial class Interop
{
    /// <summary>New reference, NULL on error. <paramref name="args"/> are borrowed.</summary>
    [LibraryImport(Library)]
    private static partial nint PyObject_Vectorcall(nint callable, nint* args, nuint nargsf, nint kwnames);

    /// <summary>1 if the object supports the buffer protocol; never raises.</summary>
    [LibraryImport(Library)]
    private static partial int PyObject_CheckBuffer(nint o);

    /// <summary>Fills <paramref name="view"/> (holding a new reference to the exporter); 0 on success, -1 on error.</summary>
    [LibraryImport(Library)]
    private static partial int PyObject_GetBuffer(nint o, PyBuffer* view, int flags);

    /// <summary>Releases the view and its reference. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyBuffer_Release(PyBuffer* view);

    /// <summary>callable(arg) through vectorcall: a new reference.</summary>
    internal static NewRef CallOne(BorrowedRef callable, BorrowedRef arg)
    {
        var args = stackalloc nint[1] { arg.Pointer };
        return CheckNew(PyObject_Vectorcall(callable.Pointer, args, 1, 0));
    }

    /// <summary>callable(a, b) through vectorcall: a new reference.</summary>
    internal static NewRef CallTwo(BorrowedRef callable, BorrowedRef a, BorrowedRef b)
    {
        var args = stackalloc nint[2] { a.Pointer, b.Pointer };
        return CheckNew(PyObject_Vectorcall(callable.Pointer, args, 2, 0));
    }

    internal static bool SupportsBuffer(BorrowedRef o) => PyObject_CheckBuffer(o.Pointer) == 1;

    /// <summary>A copy of any contiguous buffer (bytearray, memoryview, array, ...).</summary>
    internal static byte[] CopyBuffer(BorrowedRef o)
    {
        PyBuffer view;
        CheckInt(PyObject_GetBuffer(o.Pointer, &view, PyBUF_SIMPLE));
        try
        {
            return new ReadOnlySpan<byte>((void*)view.Buf, checked((int)view.Len)).ToArray();
        }
        finally
        {
            PyBuffer_Release(&view);
        }
    }

    internal const int PyBUF_SIMPLE = 0;
    internal const int PyBUF_WRITABLE = 1;
}

/// <summary>CPython's <c>Py_buffer</c> (80 bytes on 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PyBuffer
{
    internal nint Buf;
    internal nint Obj;
    internal nint Len;
    internal nint ItemSize;
    internal int ReadOnly;
    internal int NDim;
    internal nint Format;
    internal nint Shape;
    internal nint Strides;
    internal nint SubOffsets;
    internal nint Internal;
}
