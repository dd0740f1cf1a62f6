using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Memory;

/// <summary>
/// The calls the raw-allocator hook makes, raw and unchecked. Each reads a field or a thread-local and never calls
/// back into .NET, so none needs a GC transition.
/// </summary>
internal static unsafe partial class HookNative
{
    private const int PROT_READ = 0x1;
    private const int PROT_WRITE = 0x2;
    private const int MAP_PRIVATE = 0x02;
    private const int MAP_ANONYMOUS = 0x20;
    private const int MAP_NORESERVE = 0x4000;

    /// <summary>Borrowed; the thread state's interpreter (a field read). <paramref name="threadState"/> must not be NULL.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial nint PyThreadState_GetInterpreter(nint threadState);

    /// <summary>The interpreter's id (a field read); -1 with an exception only for NULL, which is never passed.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial long PyInterpreterState_GetID(nint interpreter);

    /// <summary>Borrowed; the thread state bound to this OS thread for PyGILState_* (a Python thread's own), or NULL. Needs the runtime initialised.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial nint PyGILState_GetThisThreadState();

    /// <summary>pthread_self(), as CPython records it. Cannot fail.</summary>
    [LibraryImport(Interop.Library)]
    [SuppressGCTransition]
    internal static partial nuint PyThread_get_thread_ident();

    [LibraryImport("libc.so.6", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    internal static long InterpreterId(nint threadState) => PyInterpreterState_GetID(PyThreadState_GetInterpreter(threadState));

    /// <summary>Zeroed pages, reserved but not touched (resident only once written): never unmapped.</summary>
    internal static nint MapZeroed(nuint length)
    {
        var address = Mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (address == -1)
            throw new InvalidOperationException($"mmap of {length} bytes for the allocation counters failed (errno {Marshal.GetLastPInvokeError()}).");
        return address;
    }
}
