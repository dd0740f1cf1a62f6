using System.Runtime.InteropServices;
using PluginHost.Host.Sandbox.Native;

namespace PluginHost.Host.Sandbox;

/// <summary>What the running kernel offers the backstop, asked once per use (cheap syscalls).</summary>
internal static class KernelSupport
{
    /// <summary>Why a seccomp filter cannot be installed here, or null when it can.</summary>
    public static string? SeccompUnavailable()
    {
        if (!Kernel.IsSupportedArchitecture)
            return $"the filter is written for x86-64 Linux and this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
        if (Kernel.SeccompMode() < 0)
            return "the kernel was built without seccomp";
        return Kernel.SeccompErrnoAvailable() ? null : "the kernel's seccomp cannot return an errno (SECCOMP_RET_ERRNO unavailable)";
    }

    /// <summary>The Landlock ABI, or 0 with the reason there is none.</summary>
    public static (int Abi, string? Unavailable) Landlock()
    {
        if (!Kernel.IsSupportedArchitecture)
            return (0, $"the backstop's syscall numbers are x86-64's and this is {RuntimeInformation.ProcessArchitecture}");
        var abi = Kernel.LandlockAbi();
        return abi > 0 ? (abi, null) : (0, "the kernel has no Landlock (not built in, or not in the lsm= boot parameter)");
    }
}
