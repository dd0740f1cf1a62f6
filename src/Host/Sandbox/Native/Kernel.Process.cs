using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

// File descriptors for Landlock rules, and execve(2) for re-executing the process inside its confinement.
internal static unsafe partial class Kernel
{
    private const int O_PATH = 0x200000;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RawOpen(string path, int flags, int mode);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int RawClose(int fd);

    [LibraryImport(Libc, EntryPoint = "execve", SetLastError = true)]
    private static partial int RawExecve(byte* path, byte** argv, byte** envp);

    /// <summary>
    /// An O_PATH descriptor (no read or write access; enough to name a file or directory for a Landlock rule), or -1
    /// when the path does not exist (ENOENT, ENOTDIR). Other failures throw.
    /// </summary>
    internal static int OpenPath(string path)
    {
        var fd = RawOpen(path, O_PATH | O_CLOEXEC, 0);
        if (fd == -1 && Marshal.GetLastPInvokeError() is ENOENT or 20 /* ENOTDIR */)
            return -1;
        return Check(fd, $"open({path}, O_PATH)");
    }

    /// <summary>Closes a descriptor this process opened. EBADF would be a bug here, so it throws.</summary>
    internal static void Close(int fd) => Check(RawClose(fd), "close");

    /// <summary>
    /// Replaces the process image (all threads end; the calling thread's credentials, Landlock domain, no_new_privs,
    /// capability bounding set and seccomp filters carry over). Returns only on failure, by throwing. The strings are
    /// NUL-terminated UTF-8 in native memory the caller owns; <paramref name="argv"/> and <paramref name="envp"/> end
    /// with a null pointer.
    /// </summary>
    internal static void Execve(byte* path, byte** argv, byte** envp)
    {
        RawExecve(path, argv, envp);
        throw KernelException.LastError("execve");
    }
}
