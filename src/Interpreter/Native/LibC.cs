using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// The C library calls the interpreter assembly makes, declared once. The raw imports are private; the wrappers keep
/// the C contract (a return value and errno) and never throw, because the guards call them from inside CPython's call
/// (<c>[UnmanagedCallersOnly]</c> callbacks). Callers that want an exception check the result themselves.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Name = "libc.so.6";

    [LibraryImport(Name, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string path, int flags);

    [LibraryImport(Name, EntryPoint = "dlerror")]
    private static partial nint dlerror();

    [LibraryImport(Name, EntryPoint = "open_memstream", SetLastError = true)]
    private static partial nint open_memstream(out nint buffer, out nuint size);

    [LibraryImport(Name, EntryPoint = "fclose")]
    private static partial int fclose(nint file);

    [LibraryImport(Name, EntryPoint = "free")]
    private static partial void free(nint pointer);

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    /// <summary>A short syscall that never blocks nor calls back into .NET: no GC transition (it runs on every guarded descriptor call).</summary>
    [LibraryImport(Name, EntryPoint = "fstat")]
    [SuppressGCTransition]
    private static partial int fstat(int fd, byte* status);

    [LibraryImport(Name, EntryPoint = "realpath", SetLastError = true)]
    private static partial byte* realpath(byte* path, byte* resolved);

    [LibraryImport(Name, EntryPoint = "readlink", SetLastError = true)]
    private static partial nint readlink(byte* path, byte* buffer, nint size);

    [LibraryImport(Name, EntryPoint = "mprotect", SetLastError = true)]
    private static partial int mprotect(nint address, nint length, int protection);

    [LibraryImport(Name, EntryPoint = "getpgrp")]
    [SuppressGCTransition]
    private static partial int getpgrp();

    [LibraryImport(Name, EntryPoint = "send")]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);

    /// <summary>One byte to a socket, never blocking nor raising SIGPIPE (a full or closed socket: it is not sent).</summary>
    internal static void SendByte(int fd)
    {
        const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
        byte one = 0;
        send(fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    }

    /// <summary>The library's handle, or 0 (then <see cref="LastLoadError"/> says why).</summary>
    internal static nint Open(string path, int flags) => dlopen(path, flags);

    /// <summary>dlerror(): the last dlopen failure as text.</summary>
    internal static string? LastLoadError() => Marshal.PtrToStringUTF8(dlerror());

    /// <summary>A FILE* writing to a growing buffer, or 0 with errno; <see cref="Close"/> publishes buffer and size.</summary>
    internal static nint OpenMemoryStream(out nint buffer, out nuint size) => open_memstream(out buffer, out size);

    internal static int Close(nint file) => fclose(file);

    /// <summary>Frees a block malloc'd by the C library (e.g. an open_memstream buffer). NULL-safe.</summary>
    internal static void Free(nint pointer) => free(pointer);

    /// <summary>An anonymous private mapping, or -1 (MAP_FAILED) with errno.</summary>
    internal static nint MapAnonymous(nuint length, int protection, int flags) => mmap(0, length, protection, flags, -1, 0);

    /// <summary>0 and <paramref name="status"/> filled (struct stat, 144 bytes on x86-64), or -1 (EBADF: not open).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FStat(int fd, byte* status) => fstat(fd, status);

    /// <summary>
    /// Resolves symlinks, <c>.</c> and <c>..</c> into <paramref name="resolved"/> (PATH_MAX bytes); NULL with errno
    /// (ENOENT/ENOTDIR: a component is missing; ENAMETOOLONG, ELOOP, EACCES: the real path cannot be established).
    /// </summary>
    internal static byte* RealPath(byte* path, byte* resolved) => realpath(path, resolved);

    /// <summary>Reads a symlink (no NUL appended); the length, or -1 with errno.</summary>
    internal static nint ReadLink(byte* path, byte* buffer, nint size) => readlink(path, buffer, size);

    /// <summary>0, or -1 with errno; changes the protection of whole pages.</summary>
    internal static int Protect(nint address, nint length, int protection) => mprotect(address, length, protection);

    /// <summary>The calling process's group id. Cannot fail.</summary>
    internal static int ProcessGroup() => getpgrp();
}
