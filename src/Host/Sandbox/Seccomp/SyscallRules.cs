using PluginHost.Interpreter.Policy;
using static PluginHost.Host.Sandbox.Seccomp.ArgumentTest;

namespace PluginHost.Host.Sandbox.Seccomp;

/// <summary>
/// Every syscall the backstop can deny, x86-64 numbers, grouped by the capability that would allow them. What is here
/// was checked against what the .NET runtime, CPython and the host do after start-up (docs/kernel-backstop.md says how):
/// they create threads (clone with CLONE_THREAD), read resource limits (prlimit64 without a new limit), ask terminals
/// (ioctl TCGETS) and signal their own threads (tgkill to their own pid) — all of which stay allowed.
/// </summary>
internal static class SyscallRules
{
    // clone(2) flags (linux/sched.h). CLONE_NEWTIME exists only for clone3/unshare.
    private const uint CloneThread = 0x00010000;
    private const uint CloneNewNamespaces = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
    // ioctl requests (asm-generic/ioctls.h): push input into a terminal, take one as controlling terminal, Linux console ops.
    private const uint Tiocsti = 0x5412;
    private const uint Tiocsctty = 0x540E;
    private const uint Tioclinux = 0x541C;
    private const uint AfNetlink = 16;
    private const uint AfPacket = 17;
    private const uint NetlinkRoute = 0;
    private const uint SockTypeMask = 0xF;
    private const uint SockRaw = 3;
    private const uint SockPacket = 10;
    private const uint FileTypeMask = 0xF000;   // S_IFMT
    private const uint CharacterDevice = 0x2000;
    private const uint BlockDevice = 0x6000;
    private const uint PersonalityQuery = 0xFFFFFFFF;

    public static readonly SyscallGroup ProcessCreation = new("process creation",
        "fork and exec: a copy of the host, or another program, running with the host's rights", Capability.ProcessSpawn);
    public static readonly SyscallGroup WorkingDirectory = new("working directory",
        "one working directory for the whole process (child processes change theirs, so process.spawn allows it too)", Capability.Cwd | Capability.ProcessSpawn);
    public static readonly SyscallGroup Sessions = new("sessions and process groups",
        "the host's session and process group decide its terminal and who receives job-control signals (subprocess's start_new_session needs them, so process.spawn allows them too)",
        Capability.ProcessControl | Capability.ProcessSpawn);
    public static readonly SyscallGroup Identity = new("user and group ids", "the ids every thread of the host runs as", Capability.ProcessControl);
    public static readonly SyscallGroup Namespaces = new("namespaces", "new or other namespaces change what the host sees of the system", Capability.ProcessControl);
    public static readonly SyscallGroup Mounts = new("mounts and root", "the file system tree every plugin and the host see", Capability.ProcessControl);
    public static readonly SyscallGroup Limits = new("resource limits", "limits of the whole process", Capability.ProcessControl);
    public static readonly SyscallGroup SystemSettings = new("host name and clock", "settings of the whole machine", Capability.ProcessControl);
    public static readonly SyscallGroup Signals = new("signals to other processes",
        "signals to any process but the host itself (with process.spawn the filter cannot tell a plugin's child processes from others, so it allows them)",
        Capability.ProcessSignal | Capability.ProcessSpawn);
    public static readonly SyscallGroup OtherProcesses = new("other processes' memory", "debugging, reading or writing another process, or taking its descriptors", Capability.None);
    public static readonly SyscallGroup KernelAdministration = new("kernel and system administration", "kernel modules, kexec, reboot, swap, accounting, port I/O", Capability.None);
    public static readonly SyscallGroup KernelInterfaces = new("kernel programs, tracing and keyrings",
        "eBPF, perf events, userfaultfd and the key store: kernel attack surface nothing in the host uses", Capability.None);
    public static readonly SyscallGroup FileHandles = new("file handles", "open_by_handle_at opens files by inode, around every path check", Capability.None);
    public static readonly SyscallGroup ExecutionDomain = new("execution domain", "personality flags change memory layout and exec behaviour for the process and its children (querying stays allowed)", Capability.None);
    public static readonly SyscallGroup TerminalControl = new("terminal control", "injecting input into a terminal, taking one as controlling terminal, console ioctls", Capability.None);
    public static readonly SyscallGroup RawSockets = new("raw and packet sockets",
        "sniffing and forging traffic, and kernel netlink interfaces (NETLINK_ROUTE stays allowed: glibc's getaddrinfo and .NET's network information use it)", Capability.None);
    public static readonly SyscallGroup IoRings = new("io_uring", "its operations (open, connect, socket) run without passing this filter", Capability.None);
    public static readonly SyscallGroup DeviceNodes = new("device nodes", "a character or block device node reaches hardware (disks) behind every file permission", Capability.None);
    public static readonly SyscallGroup Clone3 = new("clone3",
        "clone3 passes its flags in memory a filter cannot read: it fails with ENOSYS, and glibc falls back to clone, whose flags the filter reads", Capability.None);

    /// <summary>Every group, in the order the log and the docs list them.</summary>
    public static IReadOnlyList<SyscallGroup> Groups { get; } =
    [
        ProcessCreation, WorkingDirectory, Sessions, Identity, Namespaces, Mounts, Limits, SystemSettings, Signals,
        OtherProcesses, KernelAdministration, KernelInterfaces, FileHandles, ExecutionDomain, TerminalControl, RawSockets,
        IoRings, DeviceNodes, Clone3,
    ];

    /// <summary>Every syscall name a check names (what <c>PluginHost:Sandbox:AllowSyscalls</c> accepts).</summary>
    public static IReadOnlySet<string> Names { get; } = For(0).Select(c => c.Syscall).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every check, for a host whose process id is <paramref name="hostPid"/> (signals to it stay allowed).</summary>
    public static IReadOnlyList<SyscallCheck> For(int hostPid)
    {
        var host = unchecked((uint)hostPid);
        return
        [
            new("fork", 57, Always, ProcessCreation, "fork"),
            new("vfork", 58, Always, ProcessCreation, "vfork"),
            new("clone", 56, NoBitSet(0, CloneThread), ProcessCreation, "clone without CLONE_THREAD"),
            new("execve", 59, Always, ProcessCreation, "execve"),
            new("execveat", 322, Always, ProcessCreation, "execveat"),

            new("chdir", 80, Always, WorkingDirectory, "chdir"),
            new("fchdir", 81, Always, WorkingDirectory, "fchdir"),

            new("setsid", 112, Always, Sessions, "setsid"),
            new("setpgid", 109, Always, Sessions, "setpgid"),

            new("setuid", 105, Always, Identity, "setuid"),
            new("setgid", 106, Always, Identity, "setgid"),
            new("setreuid", 113, Always, Identity, "setreuid"),
            new("setregid", 114, Always, Identity, "setregid"),
            new("setresuid", 117, Always, Identity, "setresuid"),
            new("setresgid", 119, Always, Identity, "setresgid"),
            new("setfsuid", 122, Always, Identity, "setfsuid"),
            new("setfsgid", 123, Always, Identity, "setfsgid"),
            new("setgroups", 116, Always, Identity, "setgroups"),

            new("unshare", 272, Always, Namespaces, "unshare"),
            new("setns", 308, Always, Namespaces, "setns"),
            new("clone", 56, AnyBitSet(0, CloneNewNamespaces), Namespaces, "clone with CLONE_NEW*"),

            new("chroot", 161, Always, Mounts, "chroot"),
            new("mount", 165, Always, Mounts, "mount"),
            new("umount2", 166, Always, Mounts, "umount2"),
            new("pivot_root", 155, Always, Mounts, "pivot_root"),
            new("open_tree", 428, Always, Mounts, "open_tree"),
            new("move_mount", 429, Always, Mounts, "move_mount"),
            new("fsopen", 430, Always, Mounts, "fsopen"),
            new("fsconfig", 431, Always, Mounts, "fsconfig"),
            new("fsmount", 432, Always, Mounts, "fsmount"),
            new("fspick", 433, Always, Mounts, "fspick"),
            new("mount_setattr", 442, Always, Mounts, "mount_setattr"),

            new("setrlimit", 160, Always, Limits, "setrlimit"),
            new("prlimit64", 302, NotNull(2), Limits, "prlimit64 with a new limit"),

            new("sethostname", 170, Always, SystemSettings, "sethostname"),
            new("setdomainname", 171, Always, SystemSettings, "setdomainname"),
            new("settimeofday", 164, Always, SystemSettings, "settimeofday"),
            new("clock_settime", 227, Always, SystemSettings, "clock_settime"),
            new("adjtimex", 159, Always, SystemSettings, "adjtimex"),
            new("clock_adjtime", 305, Always, SystemSettings, "clock_adjtime"),

            new("kill", 62, NotEqual(0, host), Signals, "kill of another pid"),
            new("tgkill", 234, NotEqual(0, host), Signals, "tgkill of another process's thread"),
            new("tkill", 200, Always, Signals, "tkill"),
            new("rt_sigqueueinfo", 129, NotEqual(0, host), Signals, "rt_sigqueueinfo to another pid"),
            new("rt_tgsigqueueinfo", 297, NotEqual(0, host), Signals, "rt_tgsigqueueinfo to another process"),
            new("pidfd_open", 434, NotEqual(0, host), Signals, "pidfd_open of another pid"),
            new("pidfd_send_signal", 424, Always, Signals, "pidfd_send_signal"),

            new("ptrace", 101, Always, OtherProcesses, "ptrace"),
            new("process_vm_readv", 310, Always, OtherProcesses, "process_vm_readv"),
            new("process_vm_writev", 311, Always, OtherProcesses, "process_vm_writev"),
            new("pidfd_getfd", 438, Always, OtherProcesses, "pidfd_getfd"),

            new("kexec_load", 246, Always, KernelAdministration, "kexec_load"),
            new("kexec_file_load", 320, Always, KernelAdministration, "kexec_file_load"),
            new("init_module", 175, Always, KernelAdministration, "init_module"),
            new("finit_module", 313, Always, KernelAdministration, "finit_module"),
            new("delete_module", 176, Always, KernelAdministration, "delete_module"),
            new("reboot", 169, Always, KernelAdministration, "reboot"),
            new("swapon", 167, Always, KernelAdministration, "swapon"),
            new("swapoff", 168, Always, KernelAdministration, "swapoff"),
            new("acct", 163, Always, KernelAdministration, "acct"),
            new("iopl", 172, Always, KernelAdministration, "iopl"),
            new("ioperm", 173, Always, KernelAdministration, "ioperm"),

            new("bpf", 321, Always, KernelInterfaces, "bpf"),
            new("perf_event_open", 298, Always, KernelInterfaces, "perf_event_open"),
            new("userfaultfd", 323, Always, KernelInterfaces, "userfaultfd"),
            new("keyctl", 250, Always, KernelInterfaces, "keyctl"),
            new("add_key", 248, Always, KernelInterfaces, "add_key"),
            new("request_key", 249, Always, KernelInterfaces, "request_key"),

            new("open_by_handle_at", 304, Always, FileHandles, "open_by_handle_at"),

            new("personality", 135, NotEqual(0, PersonalityQuery), ExecutionDomain, "personality other than the query 0xffffffff"),

            new("ioctl", 16, Equal(1, Tiocsti), TerminalControl, "ioctl TIOCSTI"),
            new("ioctl", 16, Equal(1, Tiocsctty), TerminalControl, "ioctl TIOCSCTTY"),
            new("ioctl", 16, Equal(1, Tioclinux), TerminalControl, "ioctl TIOCLINUX"),

            new("socket", 41, Equal(0, AfPacket), RawSockets, "socket(AF_PACKET)"),
            // Netlink sockets are SOCK_RAW by nature (glibc's and .NET's NETLINK_ROUTE ones too): judged by protocol below.
            new("socket", 41, Both(Equal(1, SockRaw, SockTypeMask), NotEqual(0, AfNetlink)), RawSockets, "socket(SOCK_RAW) other than netlink"),
            new("socket", 41, Equal(1, SockPacket, SockTypeMask), RawSockets, "socket(SOCK_PACKET)"),
            new("socket", 41, Both(Equal(0, AfNetlink), NotEqual(2, NetlinkRoute)), RawSockets, "socket(AF_NETLINK) other than NETLINK_ROUTE"),

            new("io_uring_setup", 425, Always, IoRings, "io_uring_setup"),
            new("io_uring_enter", 426, Always, IoRings, "io_uring_enter"),
            new("io_uring_register", 427, Always, IoRings, "io_uring_register"),

            new("mknod", 133, Equal(1, CharacterDevice, FileTypeMask), DeviceNodes, "mknod of a character device"),
            new("mknod", 133, Equal(1, BlockDevice, FileTypeMask), DeviceNodes, "mknod of a block device"),
            new("mknodat", 259, Equal(2, CharacterDevice, FileTypeMask), DeviceNodes, "mknodat of a character device"),
            new("mknodat", 259, Equal(2, BlockDevice, FileTypeMask), DeviceNodes, "mknodat of a block device"),

            new("clone3", 435, Always, Clone3, "clone3 (ENOSYS)", Native.Kernel.ENOSYS),
        ];
    }
}
