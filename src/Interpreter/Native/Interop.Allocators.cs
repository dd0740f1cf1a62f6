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
    internal static partial void PyPreConfig_InitIsolatedConfig(nint preconfig);

    /// <summary>Sets up the runtime, the locale and the memory allocators; the status says whether it failed. Once, before anything else.</summary>
    [LibraryImport(Library)]
    internal static partial PyStatus Py_PreInitialize(nint preconfig);

    /// <summary>Copies the domain's current allocator into <paramref name="allocator"/>. Cannot fail.</summary>
    [LibraryImport(Library)]
    internal static partial void PyMem_GetAllocator(int domain, PyMemAllocatorEx* allocator);

    /// <summary>
    /// Installs <paramref name="allocator"/> (copied) for the domain. Cannot fail. Blocks allocated before must still be
    /// freed by the allocator that made them: install after pre-initialisation and before initialisation.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial void PyMem_SetAllocator(int domain, PyMemAllocatorEx* allocator);

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
