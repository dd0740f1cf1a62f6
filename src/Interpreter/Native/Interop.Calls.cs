using PluginHost.Interpreter.Modules;
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

    /// <summary>Releases a view filled by PyObject_GetBuffer and the reference it holds. Never throws.</summary>
    internal static void ReleaseBuffer(PyBuffer* view) => PyBuffer_Release(view);

    /// <summary>callable(arg) through vectorcall: a new reference.</summary>
    internal static NewRef CallOne(BorrowedRef callable, BorrowedRef arg)
    {
        var args = stackalloc nint[1] { arg.Pointer };
        return CheckNew(PyObject_Vectorcall(callable.Pointer, args, 1, 0));
    }

    /// <summary>
    /// callable(arg) through vectorcall, unchecked: a new reference, or NULL with the exception set (the caller must
    /// fetch it). For a hot path that keeps its P/Invokes out of try blocks.
    /// </summary>
    internal static nint CallOneRaw(nint callable, nint arg) =>
        PyObject_Vectorcall(callable, &arg, 1, 0);   // no stackalloc: that would keep it from being inlined

    /// <summary>
    /// callable(*args) through vectorcall, unchecked: a new reference, or NULL with the exception set. Arguments are
    /// borrowed.
    /// </summary>
    internal static nint CallRaw(nint callable, ReadOnlySpan<nint> args)
    {
        fixed (nint* pointer = args)
            return PyObject_Vectorcall(callable, pointer, (nuint)args.Length, 0);
    }

    /// <summary>Calls with the caller's own vectorcall arguments (a forwarding call): new reference, or NULL with the error set.</summary>
    internal static nint VectorcallRaw(nint callable, nint* args, nuint nargsf, nint kwnames) =>
        PyObject_Vectorcall(callable, args, nargsf, kwnames);

    /// <summary>PY_VECTORCALL_ARGUMENTS_OFFSET (abstract.h): a flag in nargsf, not part of the count.</summary>
    internal const ulong PY_VECTORCALL_ARGUMENTS_OFFSET = 1UL << 63;

    /// <summary>
    /// New reference to a builtin function calling <paramref name="definition"/>'s C function with
    /// <paramref name="self"/> (borrowed; the function keeps a reference) as its first argument; NULL on error.
    /// <paramref name="definition"/> must outlive every interpreter (process-wide static memory).
    /// </summary>
    [LibraryImport(Library)]
    private static partial nint PyCMethod_New(PyMethodDef* definition, nint self, nint module, nint cls);

    internal static NewRef NewBuiltinFunction(PyMethodDef* definition, BorrowedRef self) =>
        CheckNew(PyCMethod_New(definition, self.Pointer, 0, 0));

    internal static bool SupportsBuffer(BorrowedRef o) => PyObject_CheckBuffer(o.Pointer) == 1;

    /// <summary>
    /// A view of any contiguous buffer (bytearray, memoryview, array, ...): PyObject_GetBuffer (0 or -1 with an
    /// exception set), released by disposing the view (PyBuffer_Release drops the reference it holds).
    /// </summary>
    internal static BufferView GetBuffer(BorrowedRef o)
    {
        PyBuffer view;
        CheckInt(PyObject_GetBuffer(o.Pointer, &view, PyBUF_SIMPLE));
        return new BufferView(view);
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

/// <summary>A buffer held with PyObject_GetBuffer; dispose (with the GIL held) to release it.</summary>
internal unsafe ref struct BufferView(PyBuffer view)
{
    private PyBuffer _view = view;

    public readonly ReadOnlySpan<byte> Span => new((void*)_view.Buf, checked((int)_view.Len));

    public void Dispose()
    {
        fixed (PyBuffer* p = &_view)
            Interop.ReleaseBuffer(p);
    }
}
