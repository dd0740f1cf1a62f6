using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

// What a worker process needs to enter its sandbox: a private network namespace, resource limits, and descriptors
// that survive its re-execution (the channel socket, a memfd holding its start).
internal static partial class Kernel
{
    private const int CLONE_NEWNET = 0x40000000;
    private const int F_GETFD = 1;
    private const int F_SETFD = 2;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int O_NONBLOCK = 0x800;
    private const int FD_CLOEXEC = 1;

    internal const int RLIMIT_CORE = 4;
    internal const int RLIMIT_NOFILE = 7;
    internal const int RLIMIT_AS = 9;

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(Libc, EntryPoint = "unshare", SetLastError = true)]
    private static partial int RawUnshare(int flags);

    // int fcntl(int fd, int cmd, ...): the one variadic int travels in a register as for a plain call on x86-64.
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int RawFcntl(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RawMemfdCreate(string name, uint flags);

    [LibraryImport(Libc, EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int RawSetrlimit(int resource, in ResourceLimit limit);

    /// <summary>
    /// Moves the calling thread (only it: namespaces are per thread) into a new network namespace, which has only a
    /// loopback interface, down. Kept across execve. Needs CAP_SYS_ADMIN (EPERM without); throws on failure.
    /// </summary>
    internal static void UnshareNetwork() => Check(RawUnshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");

    /// <summary>Clears FD_CLOEXEC on <paramref name="fd"/> (which the caller keeps owning): it stays open across execve. Throws on EBADF.</summary>
    internal static void KeepAcrossExec(int fd)
    {
        var flags = Check(RawFcntl(fd, F_GETFD, 0), "fcntl(F_GETFD)");
        Check(RawFcntl(fd, F_SETFD, flags & ~FD_CLOEXEC), "fcntl(F_SETFD)");
    }

    /// <summary>
    /// Clears O_NONBLOCK on <paramref name="fd"/>: a socket inherited across execve keeps the flag its async use set,
    /// and .NET then refuses blocking calls on a Socket made from it. Throws on EBADF.
    /// </summary>
    internal static void MakeBlocking(int fd)
    {
        var flags = Check(RawFcntl(fd, F_GETFL, 0), "fcntl(F_GETFL)");
        Check(RawFcntl(fd, F_SETFL, flags & ~O_NONBLOCK), "fcntl(F_SETFL)");
    }

    /// <summary>
    /// An anonymous memory file without FD_CLOEXEC (it survives execve), for the caller to own and close. Throws on
    /// failure (EMFILE, ENOMEM).
    /// </summary>
    internal static int MemoryFile(string name) => Check(RawMemfdCreate(name, 0), $"memfd_create({name})");

    /// <summary>
    /// Sets the process's soft and hard limit of <paramref name="resource"/> to <paramref name="value"/>. Lowering is
    /// always allowed; raising the hard limit needs CAP_SYS_RESOURCE (EPERM). Throws on failure.
    /// </summary>
    internal static void SetResourceLimit(int resource, ulong value) =>
        Check(RawSetrlimit(resource, new ResourceLimit { Current = value, Maximum = value }), $"setrlimit({resource}, {value})");
}
