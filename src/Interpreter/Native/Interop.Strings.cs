using System.Runtime.InteropServices;
using System.Text;

namespace PluginHost.Interpreter.Native;

// str and bytes (unicodeobject.h, bytesobject.h).
internal static unsafe partial class Interop
{
    /// <summary>New reference, NULL on error (e.g. invalid UTF-8).</summary>
    [LibraryImport(Library)]
    private static partial nint PyUnicode_FromStringAndSize(byte* utf8, nint size);

    /// <summary>Pointer into the str's cached UTF-8 (owned by the str, valid while it lives); NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial byte* PyUnicode_AsUTF8AndSize(nint o, out nint size);

    /// <summary>New reference with a copy of the buffer, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyBytes_FromStringAndSize(byte* data, nint size);

    /// <summary>
    /// The same function without the GC transition, for small buffers only, and only while CPython's allocators do not
    /// call .NET (<see cref="LibPython.AllocatorCallsDotNet"/>): it allocates and copies, never blocks, and a short copy
    /// keeps a GC waiting no longer than the transition would cost. Once the raw allocator is wrapped by .NET code, any
    /// allocation may reach it (obmalloc grows its arena table and address tree through it), and .NET refuses a
    /// callback on a thread that skipped the transition (a fatal "UnmanagedCallersOnly method called from managed code").
    /// </summary>
    [LibraryImport(Library, EntryPoint = "PyBytes_FromStringAndSize")]
    [SuppressGCTransition]
    private static partial nint PyBytes_FromStringAndSizeShort(byte* data, nint size);

    private const int ShortCopy = 4096;

    /// <summary>0 on success (pointer into the bytes object, valid while it lives), -1 on error.</summary>
    [LibraryImport(Library)]
    private static partial int PyBytes_AsStringAndSize(nint o, out byte* buffer, out nint length);

    /// <summary>Pointer into the bytearray, valid while it lives and is not resized. Cannot fail on a bytearray.</summary>
    [LibraryImport(Library)]
    private static partial byte* PyByteArray_AsString(nint o);

    [LibraryImport(Library)]
    private static partial nint PyByteArray_Size(nint o);

    /// <summary>Length in code points; -1 on error (not a str).</summary>
    [LibraryImport(Library)]
    private static partial nint PyUnicode_GetLength(nint o);

    /// <summary>New reference to code points [start, end) (end clamped to the length), NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyUnicode_Substring(nint o, nint start, nint end);

    internal static NewRef NewString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 1024)
        {
            byte* buffer = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, max));
            return CheckNew(PyUnicode_FromStringAndSize(buffer, n));
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
            return CheckNew(PyUnicode_FromStringAndSize(p, bytes.Length));
    }

    internal static string AsString(BorrowedRef o)
    {
        var p = PyUnicode_AsUTF8AndSize(o.Pointer, out var size);
        if (p == null)
            throw PythonException.FetchCurrent();
        return Encoding.UTF8.GetString(p, checked((int)size));
    }

    /// <summary>A str decoded from UTF-8 bytes (no intermediate .NET string).</summary>
    internal static NewRef NewStringFromUtf8(ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
            return CheckNew(PyUnicode_FromStringAndSize(p, utf8.Length));
    }

    /// <summary>A view of the str's UTF-8 form, cached by the str; valid while <paramref name="o"/> lives.</summary>
    internal static ReadOnlySpan<byte> Utf8Span(BorrowedRef o)
    {
        var p = PyUnicode_AsUTF8AndSize(o.Pointer, out var size);
        if (p == null)
            throw PythonException.FetchCurrent();
        return new ReadOnlySpan<byte>(p, checked((int)size));
    }

    /// <summary>
    /// Like <see cref="Utf8Span"/>, but a str that has no UTF-8 form (a lone surrogate) is a <see cref="PythonError"/> ValueError
    /// saying so in <paramref name="what"/>'s terms, not the codec's error.
    /// </summary>
    internal static ReadOnlySpan<byte> Utf8Span(BorrowedRef o, string what)
    {
        var p = PyUnicode_AsUTF8AndSize(o.Pointer, out var size);
        if (p == null)
            throw PythonError.Value($"{what} is not valid Unicode text and cannot be sent: {PythonException.FetchCurrent().PythonMessage}");
        return new ReadOnlySpan<byte>(p, checked((int)size));
    }

    /// <summary>A str's length in code points.</summary>
    internal static long StringLength(BorrowedRef o) => CheckSize(PyUnicode_GetLength(o.Pointer));

    /// <summary>Code points [<paramref name="start"/>, <paramref name="end"/>) of a str, as a new str.</summary>
    internal static NewRef Substring(BorrowedRef o, long start, long end) => CheckNew(PyUnicode_Substring(o.Pointer, (nint)start, (nint)end));

    /// <summary>
    /// The first <paramref name="max"/> code points of a str as a .NET string; <paramref name="dropped"/> counts the
    /// code points after them, which are never copied out of Python.
    /// </summary>
    internal static string AsStringPrefix(BorrowedRef o, int max, out long dropped)
    {
        max = Math.Max(0, max);
        var length = StringLength(o);
        dropped = Math.Max(0, length - max);
        if (dropped == 0)
            return AsString(o);
        using var head = Substring(o, 0, max);
        return AsString(head.Borrow());
    }

    internal static NewRef NewBytes(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return CheckNew(data.Length <= ShortCopy && !LibPython.AllocatorCallsDotNet ? PyBytes_FromStringAndSizeShort(p, data.Length) : PyBytes_FromStringAndSize(p, data.Length));
    }

    /// <summary>A view of a bytes object's buffer; valid while <paramref name="o"/> lives.</summary>
    internal static ReadOnlySpan<byte> BytesSpan(BorrowedRef o)
    {
        CheckInt(PyBytes_AsStringAndSize(o.Pointer, out var buffer, out var length));
        return new ReadOnlySpan<byte>(buffer, checked((int)length));
    }

    /// <summary>New reference: bytes(o) for any object with the buffer protocol; NULL with TypeError otherwise.</summary>
    [LibraryImport(Library)]
    private static partial nint PyBytes_FromObject(nint o);

    internal static NewRef BytesFromObject(BorrowedRef o) => CheckNew(PyBytes_FromObject(o.Pointer));

    internal static ReadOnlySpan<byte> ByteArraySpan(BorrowedRef o) =>
        new(PyByteArray_AsString(o.Pointer), checked((int)PyByteArray_Size(o.Pointer)));
}
