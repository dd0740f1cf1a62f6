using PluginHost.Host.Sandbox.Native;
using static PluginHost.Host.Sandbox.Native.Kernel;

namespace PluginHost.Host.Sandbox.Landlock;

/// <summary>
/// A Landlock ruleset being built: every file system right the kernel's ABI knows is handled (so denied unless a rule
/// allows it), TCP bind and connect too unless the plugin may use the network, and — from ABI 6 — signals and abstract
/// UNIX sockets are scoped to the domain. Rights newer than the running kernel are left out, as the Landlock
/// documentation prescribes for older ABIs, and <see cref="LimitsOf"/> says what that leaves unenforced.
/// </summary>
internal sealed class LandlockRuleset : IDisposable
{
    private const ulong FileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE
        | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;

    /// <summary>The first ABI that restricts TCP bind and connect.</summary>
    public const int TcpAbi = 4;

    private int _fd;

    private LandlockRuleset(int abi, ulong handledFs, bool handlesTcp, bool scoped, int fd)
    {
        Abi = abi;
        HandledFs = handledFs;
        HandlesTcp = handlesTcp;
        Scoped = scoped;
        _fd = fd;
    }

    public int Abi { get; }

    public ulong HandledFs { get; }

    /// <summary>TCP bind and connect are denied (no rule allows a port).</summary>
    public bool HandlesTcp { get; }

    /// <summary>Signals and abstract UNIX sockets cannot reach outside the domain.</summary>
    public bool Scoped { get; }

    /// <summary>A ruleset for ABI <paramref name="abi"/> (1 or more: <see cref="Kernel.LandlockAbi"/>).</summary>
    public static LandlockRuleset Create(int abi, bool restrictTcp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(abi, 1);
        var fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;   // the thirteen rights of ABI 1
        if (abi >= 2) fs |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3) fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5) fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        var tcp = restrictTcp && abi >= TcpAbi;
        var scoped = abi >= 6;
        var attr = new LandlockRulesetAttr
        {
            HandledAccessFs = fs,
            HandledAccessNet = tcp ? LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP : 0,
            Scoped = scoped ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0,
        };
        return new LandlockRuleset(abi, fs, tcp, scoped, LandlockCreateRuleset(attr));
    }

    /// <summary>Allows <paramref name="access"/> beneath <paramref name="path"/>; false (and no rule) when it does not exist.</summary>
    public bool Allow(string path, PathAccess access)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var fd = OpenPath(path);
        if (fd < 0)
            return false;
        try
        {
            var rights = access switch
            {
                PathAccess.Read => LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
                PathAccess.ReadExecute => LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE,
                _ => HandledFs,
            };
            // Directory rights on a file are EINVAL: a file takes only the file rights.
            if (!Directory.Exists(path))
                rights &= FileRights;
            LandlockAddPathRule(_fd, fd, rights & HandledFs, path);
            return true;
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>
    /// Confines the calling thread for good (and whatever it starts or executes afterwards). no_new_privs must be set
    /// on it first unless it has CAP_SYS_ADMIN. From ABI 7 denials are logged to the audit log after execve too.
    /// </summary>
    public void RestrictCallingThread()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        LandlockRestrictSelf(_fd, Abi >= 7 ? LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0);
    }

    public void Dispose()
    {
        if (_fd >= 0)
            Close(_fd);
        _fd = -1;
    }

    /// <summary>What ABI <paramref name="abi"/> cannot enforce that a newer one would.</summary>
    public static IReadOnlyList<string> LimitsOf(int abi) =>
    [
        .. abi < 2 ? ["ABI 1: renaming or linking a file into another directory is always denied"] : Array.Empty<string>(),
        .. abi < 3 ? ["ABI < 3: truncate(2) is not restricted"] : Array.Empty<string>(),
        .. abi < 4 ? ["ABI < 4: TCP bind and connect are not restricted"] : Array.Empty<string>(),
        .. abi < 5 ? ["ABI < 5: ioctl on devices is not restricted"] : Array.Empty<string>(),
        .. abi < 6 ? ["ABI < 6: signals and abstract UNIX sockets reach outside the sandbox"] : Array.Empty<string>(),
    ];
}
