using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

// prctl(2): no_new_privs, the capability bounding set, ambient capabilities, the seccomp mode.
internal static partial class Kernel
{
    private const int PR_GET_SECCOMP = 21;
    private const int PR_CAPBSET_READ = 23;
    private const int PR_CAPBSET_DROP = 24;
    private const int PR_SET_NO_NEW_PRIVS = 38;
    private const int PR_CAP_AMBIENT = 47;
    private const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    // int prctl(int option, ...): unsigned long arguments.
    [LibraryImport(Libc, EntryPoint = "prctl", SetLastError = true)]
    private static partial int RawPrctl(int option, nuint a2, nuint a3, nuint a4, nuint a5);

    /// <summary>
    /// Sets no_new_privs on the calling thread (inherited by threads it starts and kept across execve): execve can no
    /// longer grant privileges (setuid, file capabilities). Cannot be undone. Throws on EINVAL (no such option).
    /// </summary>
    internal static void SetNoNewPrivileges() => Check(RawPrctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");

    /// <summary>
    /// The calling thread's seccomp mode (0 none, 2 filter), or -1 when the kernel has no seccomp (EINVAL). A thread
    /// in strict mode (1) could not make this call at all.
    /// </summary>
    internal static int SeccompMode()
    {
        var mode = RawPrctl(PR_GET_SECCOMP, 0, 0, 0, 0);
        if (mode == -1 && Marshal.GetLastPInvokeError() == EINVAL)
            return -1;
        return Check(mode, "prctl(PR_GET_SECCOMP)");
    }

    /// <summary>Whether <paramref name="capability"/> is in the calling thread's bounding set; false when the kernel does not know it (EINVAL).</summary>
    internal static bool InBoundingSet(int capability)
    {
        var result = RawPrctl(PR_CAPBSET_READ, (nuint)capability, 0, 0, 0);
        if (result == -1 && Marshal.GetLastPInvokeError() == EINVAL)
            return false;
        return Check(result, "prctl(PR_CAPBSET_READ)") == 1;
    }

    /// <summary>Removes a capability from the calling thread's bounding set for good. Needs CAP_SETPCAP (EPERM without).</summary>
    internal static void DropFromBoundingSet(int capability) =>
        Check(RawPrctl(PR_CAPBSET_DROP, (nuint)capability, 0, 0, 0), $"prctl(PR_CAPBSET_DROP, {capability})");

    /// <summary>Clears the calling thread's ambient capabilities. Always allowed.</summary>
    internal static void ClearAmbientCapabilities() =>
        Check(RawPrctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
}
