using System.Runtime.InteropServices;
using PluginHost.Host.Sandbox.Bpf;

namespace PluginHost.Host.Sandbox.Native;

// seccomp(2) (linux/seccomp.h): syscall 317 on x86-64; glibc has no wrapper.
internal static unsafe partial class Kernel
{
    private const long SYS_seccomp = 317;
    private const int SECCOMP_SET_MODE_FILTER = 1;
    private const int SECCOMP_GET_ACTION_AVAIL = 2;
    private const nint SECCOMP_FILTER_FLAG_TSYNC = 1;

    internal const uint SECCOMP_RET_ALLOW = 0x7fff0000;
    internal const uint SECCOMP_RET_ERRNO = 0x00050000;

    /// <summary>struct sock_fprog: the length, padding, then the instructions.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public BpfInstruction* Filter;
    }

    /// <summary>Whether the kernel can run a filter that returns errno (seccomp built in, SECCOMP_RET_ERRNO known).</summary>
    internal static bool SeccompErrnoAvailable()
    {
        var action = SECCOMP_RET_ERRNO;
        return RawSyscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, (nint)(&action), 0) == 0;
    }

    /// <summary>
    /// Installs <paramref name="program"/> on every thread of the process at once (TSYNC); threads started later inherit
    /// it, and so do child processes, across execve. Needs no_new_privs on the calling thread or CAP_SYS_ADMIN
    /// (EACCES). Fails with the id of a thread that cannot take it (one with an unrelated filter of its own); EINVAL
    /// for a program the kernel rejects. Cannot be undone.
    /// </summary>
    internal static void SeccompInstallOnAllThreads(ReadOnlySpan<BpfInstruction> program)
    {
        var result = SeccompSetModeFilter(program, SECCOMP_FILTER_FLAG_TSYNC, "seccomp(SET_MODE_FILTER, TSYNC)");
        if (result != 0)
            throw new InvalidOperationException($"seccomp(SET_MODE_FILTER, TSYNC): thread {result} has a filter of its own and cannot take this one; nothing was installed.");
    }

    /// <summary>
    /// Installs <paramref name="program"/> on the calling thread only (and threads it starts). Unsound next to the .NET
    /// runtime, which starts its own threads from whichever thread needs one; only the benchmark program's measurement
    /// of that uses it. Same requirements and errors as <see cref="SeccompInstallOnAllThreads"/>.
    /// </summary>
    internal static void SeccompInstallOnCallingThread(ReadOnlySpan<BpfInstruction> program) =>
        SeccompSetModeFilter(program, 0, "seccomp(SET_MODE_FILTER)");

    private static long SeccompSetModeFilter(ReadOnlySpan<BpfInstruction> program, nint flags, string call)
    {
        fixed (BpfInstruction* instructions = program)
        {
            var fprog = new SockFprog { Length = checked((ushort)program.Length), Filter = instructions };
            return Check(RawSyscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (nint)(&fprog), 0), call);
        }
    }
}
