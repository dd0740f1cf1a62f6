using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Pre-initialisation and the memory allocator domains (cpython/initconfig.h, cpython/pymem.h), and the thread-state
// reads the raw-domain hook makes (cpython/pystate.h). Everything here may be called without a GIL.
internal static unsafe partial class Interop
{
    /// <summary><c>PYMEM_DOMAIN_RAW</c>: <c>PyMem_RawMalloc</c>, which pymalloc falls back to for requests over 512 bytes.</summary>
    internal const int PYMEM_DOMAIN_RAW = 0;

    /// <summary>Fills a PyPreConfig with the isolated preset (no environment variables, no locale coercion). Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyPreConfig_InitIsolatedConfig(nint preconfig);

    /// <summary>Sets up the runtime, the locale and the memory allocators; the status says whether it failed. Once, before anything else.</summary>
    [LibraryImport(Library)]
    private static partial PyStatus Py_PreInitialize(nint preconfig);

    /// <summary>Copies the domain's current allocator into <paramref name="allocator"/>. Cannot fail.</summary>
    [LibraryImport(Library)]
    private static partial void PyMem_GetAllocator(int domain, PyMemAllocatorEx* allocator);

    /// <summary>
    /// Installs <paramref name="allocator"/> (copied) for the domain. Cannot fail. Blocks allocated before must still be
    /// freed by the allocator that made them: install after pre-initialisation and before initialisation.
    /// </summary>
    [LibraryImport(Library)]
    private static partial void PyMem_SetAllocator(int domain, PyMemAllocatorEx* allocator);

    /// <summary>Borrowed; the thread state's interpreter (a field read). <paramref name="threadState"/> must not be NULL.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial nint PyThreadState_GetInterpreter(nint threadState);

    /// <summary>Borrowed; the thread state bound to this OS thread for PyGILState_* (a Python thread's own), or NULL. Needs the runtime initialised.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial nint PyGILState_GetThisThreadState();

    internal static void InitIsolatedPreConfig(nint preconfig) => PyPreConfig_InitIsolatedConfig(preconfig);

    internal static PyStatus PreInitialize(nint preconfig) => Py_PreInitialize(preconfig);

    /// <summary>Copies the domain's current allocator into <paramref name="allocator"/>. Cannot fail; no GIL needed.</summary>
    internal static void GetAllocator(int domain, PyMemAllocatorEx* allocator) => PyMem_GetAllocator(domain, allocator);

    /// <summary>Installs <paramref name="allocator"/> for the domain (see the import for when). Cannot fail; no GIL needed.</summary>
    internal static void SetAllocator(int domain, PyMemAllocatorEx* allocator) => PyMem_SetAllocator(domain, allocator);

    /// <summary>The id of <paramref name="threadState"/>'s interpreter (two field reads). Never throws; for the allocator hook.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long ThreadStateInterpreterId(nint threadState) => PyInterpreterState_GetID(PyThreadState_GetInterpreter(threadState));

    /// <summary>Borrowed; this OS thread's PyGILState thread state, or 0. Never throws; for the allocator hook.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint GilStateOfThisThread() => PyGILState_GetThisThreadState();

    /// <summary>Borrowed; the thread state attached on this thread or NULL (no fatal error, unlike PyThreadState_Get). Reads a thread-local.</summary>
    internal static nint CurrentThreadStateExport() =>
        // 3.13 made it public under this name; 3.12 exports only the underscored one.
        LibPython.TryExport("PyThreadState_GetUnchecked", out var function) ? function
            : LibPython.Export("_PyThreadState_UncheckedGet");
}

/// <summary>CPython's <c>PyMemAllocatorEx</c>: a context passed back to each of the four functions.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PyMemAllocatorEx
{
    internal nint Context;
    internal delegate* unmanaged<nint, nuint, nint> Malloc;
    internal delegate* unmanaged<nint, nuint, nuint, nint> Calloc;
    internal delegate* unmanaged<nint, nint, nuint, nint> Realloc;
    internal delegate* unmanaged<nint, nint, void> Free;
}
