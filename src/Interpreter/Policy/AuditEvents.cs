using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace PluginHost.Interpreter.Policy;

/// <summary>The audit events the policy acts on; every other event is <see cref="None"/> and costs a byte compare.</summary>
internal enum AuditEvent : byte
{
    None,
    Open,
    Import,
    ListDir,
    /// <summary>A write to one path, with arguments (path, dir_fd): os.remove, os.rmdir, os.mkfifo, os.mknod.</summary>
    Remove,
    Mkdir,
    Rename,
    Chmod,
    Chown,
    Truncate,
    Utime,
    Symlink,
    Link,
    Xattr,
    Sqlite,
    Chdir,
    PutEnv,
    UnsetEnv,
    Kill,
    KillPg,
    ThreadKill,
    Spawn,
    Fork,
    Exec,
    Network,
    NativeCode,
    SetRlimit,
    Prlimit,
    SetHostname,
    Guard,
    NewInterpreter,
    /// <summary>A read of one path or descriptor, (path, ...): os.getxattr, os.listxattr.</summary>
    ReadPath,
    /// <summary>Every argument is a file descriptor (the native guards' events): 0–2 need process.stdio.</summary>
    Descriptors,
    CloseRange,
    SharedMemory,
    PidfdSignal,
    Socket,
    CodeObject,
    /// <summary>code.replace(**changes) and code.__replace__ (a native guard's event): (code, changes as a dict).</summary>
    CodeReplace,
    Marshal,
    SqliteHandle,
    SqliteLimit,
    Syslog,
    /// <summary>Every argument not None is a path to be read (the native guards of OpenSSL's file loading).</summary>
    ReadPaths,
    /// <summary>fcntl.fcntl, fcntl.flock, fcntl.lockf: (fd, cmd, arg): the descriptor, and commands that make the kernel signal a process.</summary>
    Fcntl,
    /// <summary>fcntl.ioctl: (fd, request, arg): the descriptor, and the request against the list a plugin may make.</summary>
    Ioctl,
    /// <summary>mmap.__new__: (fileno, length, access, offset).</summary>
    Mmap,
    /// <summary>sys._current_frames, sys._current_exceptions: every interpreter's threads' objects.</summary>
    ForeignObjects,
    /// <summary>gc.get_referrers, gc.get_referents: objects in states Python code must not see.</summary>
    GcReferences,
    /// <summary>gc.set_debug(flags) (a native guard's event): the flags that print, onto descriptor 2 when sys.stderr is gone.</summary>
    GcDebug,
    /// <summary>threading.stack_size(size) (a native guard's event).</summary>
    StackSize,
    /// <summary>Waiting for a child process (native guards): (pid) of os.waitpid/wait4, (idtype, id) of os.waitid, () of os.wait/wait3.</summary>
    Wait,
}

/// <summary>
/// Event name → <see cref="AuditEvent"/>. CPython passes the name as a <c>const char*</c> for every audit event in every
/// interpreter (<c>sys._getframe</c>, <c>object.__getattr__</c>, <c>exec</c>, <c>compile</c> are very frequent), so the
/// common case must be cheap: one table lookup on the first byte rejects nearly all of them, then the candidates of
/// that exact length are compared byte by byte. No allocation, no native call.
/// </summary>
internal static unsafe class AuditEvents
{
    /// <summary>The event our own Python-level guards raise for facilities CPython does not audit (see guards.py).</summary>
    internal const string GuardEvent = "pluginhost.guard";

    private static readonly (string Name, AuditEvent Event)[] Known =
    [
        ("open", AuditEvent.Open),
        ("import", AuditEvent.Import),
        ("os.listdir", AuditEvent.ListDir),
        ("os.scandir", AuditEvent.ListDir),
        ("os.remove", AuditEvent.Remove),
        ("os.rmdir", AuditEvent.Remove),
        ("os.mkdir", AuditEvent.Mkdir),
        ("os.rename", AuditEvent.Rename),
        ("os.chmod", AuditEvent.Chmod),
        ("os.chown", AuditEvent.Chown),
        ("os.truncate", AuditEvent.Truncate),
        ("os.utime", AuditEvent.Utime),
        ("os.symlink", AuditEvent.Symlink),
        ("os.link", AuditEvent.Link),
        ("os.setxattr", AuditEvent.Xattr),
        ("os.removexattr", AuditEvent.Xattr),
        ("sqlite3.connect", AuditEvent.Sqlite),
        ("os.chdir", AuditEvent.Chdir),
        ("os.putenv", AuditEvent.PutEnv),
        ("os.unsetenv", AuditEvent.UnsetEnv),
        ("os.kill", AuditEvent.Kill),
        ("os.killpg", AuditEvent.KillPg),
        ("signal.pthread_kill", AuditEvent.ThreadKill),
        ("os.system", AuditEvent.Spawn),
        ("os.posix_spawn", AuditEvent.Spawn),
        ("subprocess.Popen", AuditEvent.Spawn),
        ("os.fork", AuditEvent.Fork),
        ("os.forkpty", AuditEvent.Fork),
        ("os.exec", AuditEvent.Exec),
        ("socket.connect", AuditEvent.Network),
        ("socket.bind", AuditEvent.Network),
        ("socket.sendto", AuditEvent.Network),
        ("socket.sendmsg", AuditEvent.Network),
        ("socket.getaddrinfo", AuditEvent.Network),
        ("socket.gethostbyname", AuditEvent.Network),
        ("socket.gethostbyaddr", AuditEvent.Network),
        ("socket.getnameinfo", AuditEvent.Network),
        ("socket.sethostname", AuditEvent.SetHostname),
        ("ctypes.dlopen", AuditEvent.NativeCode),
        ("ctypes.dlsym", AuditEvent.NativeCode),
        ("ctypes.dlsym/handle", AuditEvent.NativeCode),
        ("ctypes.cdata", AuditEvent.NativeCode),
        ("ctypes.string_at", AuditEvent.NativeCode),
        ("ctypes.wstring_at", AuditEvent.NativeCode),
        ("resource.setrlimit", AuditEvent.SetRlimit),
        ("resource.prlimit", AuditEvent.Prlimit),
        (GuardEvent, AuditEvent.Guard),
        ("cpython.PyInterpreterState_New", AuditEvent.NewInterpreter),
        ("os.getxattr", AuditEvent.ReadPath),
        ("os.listxattr", AuditEvent.ReadPath),
        ("fcntl.fcntl", AuditEvent.Fcntl),
        ("fcntl.ioctl", AuditEvent.Ioctl),
        ("fcntl.flock", AuditEvent.Fcntl),
        ("fcntl.lockf", AuditEvent.Fcntl),
        ("mmap.__new__", AuditEvent.Mmap),
        ("sys._current_frames", AuditEvent.ForeignObjects),
        ("sys._current_exceptions", AuditEvent.ForeignObjects),
        ("gc.get_referrers", AuditEvent.GcReferences),
        ("gc.get_referents", AuditEvent.GcReferences),
        ("socket.__new__", AuditEvent.Socket),
        ("code.__new__", AuditEvent.CodeObject),
        ("marshal.loads", AuditEvent.Marshal),
        ("marshal.load", AuditEvent.Marshal),
        ("sqlite3.connect/handle", AuditEvent.SqliteHandle),
        ("sqlite3.enable_load_extension", AuditEvent.NativeCode),
        ("sqlite3.load_extension", AuditEvent.NativeCode),
        ("syslog.openlog", AuditEvent.Syslog),
        ("syslog.syslog", AuditEvent.Syslog),
        ("syslog.setlogmask", AuditEvent.Syslog),
        ("syslog.closelog", AuditEvent.Syslog),
    ];

    private const int MaxLength = 40;

    // First bytes of known names; everything else (exec, compile, marshal.*, builtins.*, code.*, ...) stops here.
    private static readonly bool[] FirstByte = BuildFirstBytes();

    // Known names by length, as UTF-8.
    private static readonly (byte[] Name, AuditEvent Event)[][] ByLength = BuildByLength();

    /// <summary>Every event name the policy acts on, for documentation and tests.</summary>
    internal static IEnumerable<string> Names => Known.Select(k => k.Name);

    /// <summary>As the hook classifies <paramref name="name"/>, for tests and tools.</summary>
    internal static AuditEvent Classify(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
            return Classify(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AuditEvent Classify(byte* name)
    {
        if (name == null || !FirstByte[*name])
            return AuditEvent.None;
        return ClassifySlow(name);
    }

    private static AuditEvent ClassifySlow(byte* name)
    {
        // Reject frequent look-alikes before measuring: "object.*", "sys.*" (but sys._current_*), "compile".
        if ((name[0], name[1]) is ((byte)'o', (byte)'b')
            || (name[0] == (byte)'s' && name[1] == (byte)'y'
                && !(name[2] == (byte)'s' && name[3] == (byte)'.' && name[4] == (byte)'_' && name[5] == (byte)'c' && name[6] == (byte)'u'))
            || (name[0] == (byte)'c' && name[1] == (byte)'o' && name[2] == (byte)'m'))
            return AuditEvent.None;
        var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
        if (span.Length >= ByLength.Length)
            return AuditEvent.None;
        foreach (var (known, kind) in ByLength[span.Length])
        {
            if (span.SequenceEqual(known))
                return kind;
        }
        return AuditEvent.None;
    }

    private static bool[] BuildFirstBytes()
    {
        var first = new bool[256];
        foreach (var (name, _) in Known)
            first[name[0]] = true;
        return first;
    }

    private static (byte[], AuditEvent)[][] BuildByLength()
    {
        var table = new (byte[], AuditEvent)[MaxLength][];
        for (var length = 0; length < MaxLength; length++)
            table[length] = [.. Known.Where(k => k.Name.Length == length).Select(k => (Encoding.UTF8.GetBytes(k.Name), k.Event))];
        return table;
    }
}
