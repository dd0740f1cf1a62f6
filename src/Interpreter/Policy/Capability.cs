namespace PluginHost.Interpreter.Policy;

/// <summary>
/// What an interpreter may do beyond computing. Everything not granted is denied by the audit hook (or, for the few
/// facilities CPython raises no audit event for, by a guard installed in the interpreter). The names are the policy's
/// vocabulary (<see cref="CapabilityNames"/>); the host maps plugin manifests onto them.
/// </summary>
[Flags]
public enum Capability
{
    None = 0,

    /// <summary><c>cwd</c>: <c>os.chdir</c>/<c>os.fchdir</c>, which change the whole process's working directory.</summary>
    Cwd = 1 << 0,

    /// <summary><c>environment</c>: <c>os.environ</c> is the process environment and <c>os.putenv</c>/<c>os.unsetenv</c> change it.</summary>
    Environment = 1 << 1,

    /// <summary><c>filesystem.read</c> without a path: read any file or directory.</summary>
    FileSystemRead = 1 << 2,

    /// <summary><c>filesystem.write</c> without a path: create, change and delete anywhere (and read).</summary>
    FileSystemWrite = 1 << 3,

    /// <summary><c>network</c>: connect, bind, send to addresses, resolve names.</summary>
    Network = 1 << 4,

    /// <summary><c>native-code</c>: ctypes, cffi, and extension modules from outside the standard library.</summary>
    NativeCode = 1 << 5,

    /// <summary><c>process.spawn</c>: subprocess, <c>os.system</c>, <c>os.posix_spawn</c>.</summary>
    ProcessSpawn = 1 << 6,

    /// <summary><c>process.signal</c>: send signals to other processes (<c>os.kill</c>, <c>os.killpg</c>).</summary>
    ProcessSignal = 1 << 7,

    /// <summary><c>process.exit</c>: end or signal the host process itself (<c>os._exit</c>, <c>os.abort</c>, <c>os.kill(os.getpid())</c>, alarms).</summary>
    ProcessExit = 1 << 8,

    /// <summary><c>process.control</c>: process-wide settings (resource limits, faulthandler, umask, ids, priority, locale, chroot).</summary>
    ProcessControl = 1 << 9,

    /// <summary><c>process.stdio</c>: replace or close file descriptors 0, 1 and 2, which the host and every plugin share.</summary>
    ProcessStdio = 1 << 10,
}

/// <summary>The names capabilities have in manifests, configuration and messages.</summary>
public static class CapabilityNames
{
    /// <summary>Prefix of a path-scoped file system capability: <c>filesystem.read:/srv/data</c>.</summary>
    public const string ReadPrefix = "filesystem.read";

    public const string WritePrefix = "filesystem.write";

    private static readonly (Capability Capability, string Name)[] Names =
    [
        (Capability.Cwd, "cwd"),
        (Capability.Environment, "environment"),
        (Capability.FileSystemRead, ReadPrefix),
        (Capability.FileSystemWrite, WritePrefix),
        (Capability.Network, "network"),
        (Capability.NativeCode, "native-code"),
        (Capability.ProcessSpawn, "process.spawn"),
        (Capability.ProcessSignal, "process.signal"),
        (Capability.ProcessExit, "process.exit"),
        (Capability.ProcessControl, "process.control"),
        (Capability.ProcessStdio, "process.stdio"),
    ];

    /// <summary>Every capability name, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>The name of one capability (a single flag).</summary>
    public static string Of(Capability capability)
    {
        foreach (var (flag, name) in Names)
        {
            if (flag == capability)
                return name;
        }
        throw new ArgumentOutOfRangeException(nameof(capability), capability, "not a single capability");
    }

    /// <summary>The names of every flag in <paramref name="capabilities"/>.</summary>
    public static IEnumerable<string> Each(Capability capabilities) =>
        Names.Where(n => (capabilities & n.Capability) != 0).Select(n => n.Name);

    /// <summary>The capability named exactly <paramref name="name"/> (without a path).</summary>
    public static bool TryParse(string name, out Capability capability)
    {
        foreach (var (flag, known) in Names)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                capability = flag;
                return true;
            }
        }
        capability = Capability.None;
        return false;
    }
}
