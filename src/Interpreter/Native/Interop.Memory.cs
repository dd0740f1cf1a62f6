using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// The attached interpreter's own small-object allocator (obmalloc), as far as libpython exports it.
internal static unsafe partial class Interop
{
    /// <summary>
    /// Writes the current interpreter's obmalloc statistics to <paramref name="file"/>; 0 when pymalloc is not in use.
    /// The only exported per-interpreter figure: <c>sys.getallocatedblocks()</c> and tracemalloc count the whole process
    /// on 3.12 and 3.13, and <c>_PyInterpreterState_GetAllocatedBlocks</c> is not exported.
    /// </summary>
    [LibraryImport(Library)]
    private static partial int _PyObject_DebugMallocStats(nint file);

    /// <summary>The statistics report of the attached interpreter's allocator as text; empty when pymalloc is off.</summary>
    internal static string AllocatorReport()
    {
        var file = LibC.OpenMemoryStream(out var buffer, out var size);
        if (file == 0)
            throw new InvalidOperationException($"open_memstream failed (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            _PyObject_DebugMallocStats(file);
        }
        finally
        {
            // fclose publishes buffer and size; the buffer is ours to free.
            LibC.Close(file);
        }
        try
        {
            return buffer == 0 ? "" : Marshal.PtrToStringUTF8(buffer, checked((int)size));
        }
        finally
        {
            LibC.Free(buffer);
        }
    }
}
