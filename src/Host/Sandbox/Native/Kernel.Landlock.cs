using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

// Landlock (linux/landlock.h; the installed header predates ABI 3, so the later constants are spelled out here from
// the kernel's documentation). Syscalls 444-446 on x86-64.
internal static unsafe partial class Kernel
{
    private const long SYS_landlock_create_ruleset = 444;
    private const long SYS_landlock_add_rule = 445;
    private const long SYS_landlock_restrict_self = 446;

    private const uint LANDLOCK_CREATE_RULESET_VERSION = 1;
    private const int LANDLOCK_RULE_PATH_BENEATH = 1;

    internal const ulong LANDLOCK_ACCESS_FS_EXECUTE = 1 << 0;
    internal const ulong LANDLOCK_ACCESS_FS_WRITE_FILE = 1 << 1;
    internal const ulong LANDLOCK_ACCESS_FS_READ_FILE = 1 << 2;
    internal const ulong LANDLOCK_ACCESS_FS_READ_DIR = 1 << 3;
    internal const ulong LANDLOCK_ACCESS_FS_REMOVE_DIR = 1 << 4;
    internal const ulong LANDLOCK_ACCESS_FS_REMOVE_FILE = 1 << 5;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_CHAR = 1 << 6;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_DIR = 1 << 7;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_REG = 1 << 8;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_SOCK = 1 << 9;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_FIFO = 1 << 10;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_BLOCK = 1 << 11;
    internal const ulong LANDLOCK_ACCESS_FS_MAKE_SYM = 1 << 12;
    internal const ulong LANDLOCK_ACCESS_FS_REFER = 1 << 13;      // ABI 2
    internal const ulong LANDLOCK_ACCESS_FS_TRUNCATE = 1 << 14;   // ABI 3
    internal const ulong LANDLOCK_ACCESS_FS_IOCTL_DEV = 1 << 15;  // ABI 5

    internal const ulong LANDLOCK_ACCESS_NET_BIND_TCP = 1 << 0;     // ABI 4
    internal const ulong LANDLOCK_ACCESS_NET_CONNECT_TCP = 1 << 1;  // ABI 4

    internal const ulong LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0;  // ABI 6
    internal const ulong LANDLOCK_SCOPE_SIGNAL = 1 << 1;                // ABI 6

    internal const uint LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON = 1 << 1;  // ABI 7

    /// <summary>struct landlock_ruleset_attr as of ABI 6; the kernel accepts it whole on later ABIs and, with the newer fields zero, on earlier ones.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct LandlockRulesetAttr
    {
        public ulong HandledAccessFs;
        public ulong HandledAccessNet;
        public ulong Scoped;
    }

    /// <summary>struct landlock_path_beneath_attr (packed: 12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct LandlockPathBeneathAttr
    {
        public ulong AllowedAccess;
        public int ParentFd;
    }

    /// <summary>
    /// The highest Landlock ABI the kernel offers, or 0 when it has none: ENOSYS (not built in) or EOPNOTSUPP
    /// (built in but not enabled at boot).
    /// </summary>
    internal static int LandlockAbi()
    {
        var abi = RawSyscall(SYS_landlock_create_ruleset, 0, 0, (nint)LANDLOCK_CREATE_RULESET_VERSION, 0);
        if (abi == -1 && Marshal.GetLastPInvokeError() is ENOSYS or EOPNOTSUPP)
            return 0;
        return (int)Check(abi, "landlock_create_ruleset(VERSION)");
    }

    /// <summary>A new ruleset (a file descriptor, close-on-exec) handling what <paramref name="attr"/> names. Throws on EINVAL (a right this ABI lacks) and E2BIG.</summary>
    internal static int LandlockCreateRuleset(in LandlockRulesetAttr attr)
    {
        fixed (LandlockRulesetAttr* p = &attr)
            return (int)Check(RawSyscall(SYS_landlock_create_ruleset, (nint)p, sizeof(LandlockRulesetAttr), 0, 0), "landlock_create_ruleset");
    }

    /// <summary>
    /// Allows <paramref name="access"/> beneath the file or directory <paramref name="parentFd"/> refers to
    /// (<paramref name="path"/>, for the error). EINVAL when the rights are not handled by the ruleset or are directory
    /// rights given for a file.
    /// </summary>
    internal static void LandlockAddPathRule(int rulesetFd, int parentFd, ulong access, string path)
    {
        var rule = new LandlockPathBeneathAttr { AllowedAccess = access, ParentFd = parentFd };
        Check(RawSyscall(SYS_landlock_add_rule, rulesetFd, LANDLOCK_RULE_PATH_BENEATH, (nint)(&rule), 0), $"landlock_add_rule({path}, 0x{access:x})");
    }

    /// <summary>
    /// Confines the calling thread (and the threads and processes it starts afterwards) to the ruleset, on top of any
    /// domain it already has. Needs no_new_privs or CAP_SYS_ADMIN (EPERM); cannot be undone.
    /// </summary>
    internal static void LandlockRestrictSelf(int rulesetFd, uint flags) =>
        Check(RawSyscall(SYS_landlock_restrict_self, rulesetFd, (nint)flags, 0, 0), "landlock_restrict_self");
}
