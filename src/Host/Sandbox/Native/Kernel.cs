using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

/// <summary>
/// Bindings to the Linux facilities the kernel backstop uses — prctl, capabilities, Landlock, seccomp, execve — through
/// glibc, grouped by facility in partial files (Kernel.Prctl.cs, Kernel.Landlock.cs, ...). Raw imports are private and
/// return the C result; callers use the checked wrappers, which throw <see cref="KernelException"/> carrying errno
/// when the call fails (-1). Landlock and seccomp have no glibc wrappers: they go through <c>syscall(2)</c> with
/// x86-64 numbers, so every caller first checks <see cref="IsSupportedArchitecture"/>.
/// </summary>
internal static unsafe partial class Kernel
{
    private const string Libc = "libc.so.6";

    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EAGAIN = 11;
    internal const int EACCES = 13;
    internal const int EINVAL = 22;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;

    /// <summary>The syscall numbers here and the seccomp filter are x86-64's; elsewhere the backstop reports itself unavailable.</summary>
    internal static bool IsSupportedArchitecture =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    // long syscall(long number, ...): the variadic integer arguments travel in registers as for a plain call on x86-64.
    // Always four: landlock_add_rule reads a fourth (flags, which must be 0), and unused ones are ignored.
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long RawSyscall(long number, nint a1, nint a2, nint a3, nint a4);

    /// <summary>The result, or throws with errno when it is -1.</summary>
    private static long Check(long result, string call) => result == -1 ? throw KernelException.LastError(call) : result;

    private static int Check(int result, string call) => result == -1 ? throw KernelException.LastError(call) : result;
}
