namespace PluginHost.Interpreter.Policy;

internal sealed partial class NativeGuards
{
    private static readonly GuardArgument Fd = new(0, "fd");

    /// <summary>
    /// Every C function guarded, and how. Found by looking through the standard library for what reaches the process
    /// or the host's files without an audit event (see docs/isolation.md, "How it is enforced").
    /// </summary>
    internal static IReadOnlyList<GuardTarget> Targets { get; } = BuildTargets();

    private static GuardTarget[] BuildTargets()
    {
        var targets = new List<GuardTarget>
        {
            // Ending or signalling the host process itself.
            Function("posix", "_exit"),
            Function("posix", "abort"),
            Function("_signal", "raise_signal"),
            Function("_signal", "alarm"),
            Function("_signal", "setitimer"),
            Function("_signal", "siginterrupt"),
            Function("_signal", "sigwait"),
            Function("_signal", "sigwaitinfo"),
            Function("_signal", "sigtimedwait"),
            Event("_signal", "pidfd_send_signal", "signal.pidfd_send_signal", AuditEvent.PidfdSignal, new(0, "pidfd"), new(1, "sig")),

            // The host's standard streams: every call on a descriptor that can read, write, duplicate, close or reconfigure one.
            Descriptors("posix", "write", "os.write", Fd),
            Descriptors("posix", "writev", "os.write", Fd),
            Descriptors("posix", "pwrite", "os.write", Fd),
            Descriptors("posix", "pwritev", "os.write", Fd),
            Descriptors("posix", "read", "os.read", Fd),
            Descriptors("posix", "readv", "os.read", Fd),
            Descriptors("posix", "pread", "os.read", Fd),
            Descriptors("posix", "preadv", "os.read", Fd),
            Descriptors("posix", "dup", "os.dup", Fd) with { After = GuardAfter.RecordDescriptors },
            Descriptors("posix", "dup2", "os.dup2", Fd, new(1, "fd2")) with { After = GuardAfter.RecordDescriptors },
            Descriptors("posix", "close", "os.close", Fd) with { After = GuardAfter.ForgetDescriptor },
            Descriptors("posix", "lockf", "os.lockf", Fd),
            Descriptors("posix", "lseek", "os.lseek", Fd),
            Descriptors("posix", "set_blocking", "os.set_blocking", Fd),
            Descriptors("posix", "set_inheritable", "os.set_inheritable", Fd),
            Descriptors("posix", "sendfile", "os.sendfile", new(0, "out_fd"), new(1, "in_fd")),
            Descriptors("posix", "splice", "os.splice", new(0, "src"), new(1, "dst")),
            Descriptors("posix", "copy_file_range", "os.copy_file_range", new(0, "src"), new(1, "dst")),
            Descriptors("posix", "posix_fallocate", "os.posix_fallocate", Fd),
            Descriptors("posix", "posix_fadvise", "os.posix_fadvise", Fd),
            Event("posix", "closerange", "os.closerange", AuditEvent.CloseRange, new(0, "fd_low"), new(1, "fd_high")) with { After = GuardAfter.ForgetRange },
            Descriptors("_socket", "dup", "socket.dup", Fd) with { After = GuardAfter.RecordDescriptors },
            Descriptors("select", "epoll.fromfd", "select.epoll.fromfd", Fd),

            // The descriptors an interpreter makes: the only ones from 3 up it may use (the rest are the host's).
            Observe("posix", "pipe"),
            Observe("posix", "pipe2"),
            Observe("posix", "openpty"),
            Observe("posix", "posix_openpt"),
            Observe("posix", "memfd_create"),
            Observe("posix", "eventfd"),
            Observe("posix", "timerfd_create"),
            Observe("posix", "pidfd_open"),
            Observe("_socket", "socketpair"),
            Observe("_socket", "socket._accept"),
            Observe("_socket", "socket.fileno"),
            Observe("_io", "FileIO.fileno"),
            Observe("select", "epoll.fileno"),
            new("fcntl", "fcntl", GuardKind.Observe, "fcntl.fcntl", AuditEvent.None, [], After: GuardAfter.RecordDuplicate),
            Descriptors("termios", "tcsetattr", "termios.tcsetattr", Fd),
            Descriptors("termios", "tcsendbreak", "termios.tcsendbreak", Fd),
            Descriptors("termios", "tcdrain", "termios.tcdrain", Fd),
            Descriptors("termios", "tcflush", "termios.tcflush", Fd),
            Descriptors("termios", "tcflow", "termios.tcflow", Fd),
            Descriptors("termios", "tcsetwinsize", "termios.tcsetwinsize", Fd),
            Function("posix", "login_tty"),
            Function("posix", "tcsetpgrp"),

            // Files created or removed by name without an audit event.
            Event("posix", "mkfifo", "os.mkfifo", AuditEvent.Remove, new(0, "path"), new(-1, "dir_fd")),
            Event("posix", "mknod", "os.mknod", AuditEvent.Remove, new(0, "path"), new(-1, "dir_fd")),
            Event("_posixshmem", "shm_open", "_posixshmem.shm_open", AuditEvent.SharedMemory, new GuardArgument(0, "path")),
            Event("_posixshmem", "shm_unlink", "_posixshmem.shm_unlink", AuditEvent.SharedMemory, new GuardArgument(0, "path")),
            Event("_multiprocessing", "sem_unlink", "_multiprocessing.sem_unlink", AuditEvent.SharedMemory, new GuardArgument(0, "name")),
            Event("_sqlite3", "Connection.setlimit", "sqlite3.Connection.setlimit", AuditEvent.SqliteLimit, new(0, "category"), new(1, "limit")),
            new("posix", "open", GuardKind.OpenAt, "os.open", AuditEvent.Open, [new(0, "path"), new(-1, "dir_fd")], After: GuardAfter.RecordDescriptors),

            // Code objects: only the changes the standard library itself makes (types.coroutine's flag), the rest as native code.
            Event("types", "CodeType.replace", "code.replace", AuditEvent.CodeReplace, GuardArgument.Self, GuardArgument.AllKeywords),
            Event("types", "CodeType.__replace__", "code.__replace__", AuditEvent.CodeReplace, GuardArgument.Self, GuardArgument.AllKeywords),

            // Starting programs: subprocess's own primitive, which its Python-level audit event does not cover. The
            // children a plugin starts are the only ones it may wait for (waiting for any reaps the host's and others').
            new("_posixsubprocess", "fork_exec", GuardKind.Event, "_posixsubprocess.fork_exec", AuditEvent.Spawn, [new(0, null)], After: GuardAfter.RecordChild),
            new("posix", "posix_spawn", GuardKind.Event, "os.posix_spawn", AuditEvent.Spawn, [new(0, "path")], After: GuardAfter.RecordChild),
            new("posix", "posix_spawnp", GuardKind.Event, "os.posix_spawnp", AuditEvent.Spawn, [new(0, "path")], After: GuardAfter.RecordChild),
            new("posix", "waitpid", GuardKind.Event, "os.waitpid", AuditEvent.Wait, [new(0, "pid")], After: GuardAfter.ForgetChild),
            new("posix", "wait4", GuardKind.Event, "os.wait4", AuditEvent.Wait, [new(0, "pid")], After: GuardAfter.ForgetChild),
            Event("posix", "wait", "os.wait", AuditEvent.Wait),
            Event("posix", "wait3", "os.wait3", AuditEvent.Wait),
            Event("posix", "waitid", "os.waitid", AuditEvent.Wait, new(0, "idtype"), new(1, "id")),

            // Files read by name inside OpenSSL, which CPython does not audit.
            Event("_ssl", "_SSLContext.load_cert_chain", "ssl.SSLContext.load_cert_chain", AuditEvent.ReadPaths, new(0, "certfile"), new(1, "keyfile")),
            Event("_ssl", "_SSLContext.load_verify_locations", "ssl.SSLContext.load_verify_locations", AuditEvent.ReadPaths, new(0, "cafile"), new(1, "capath")),
            Event("_ssl", "_SSLContext.load_dh_params", "ssl.SSLContext.load_dh_params", AuditEvent.ReadPaths, new GuardArgument(0, null)),
            Event("_ssl", "_test_decode_cert", "ssl._test_decode_cert", AuditEvent.ReadPaths, new GuardArgument(0, null)),

            // The machine's user databases, listed whole.
            Function("pwd", "getpwall"),
            Function("grp", "getgrall"),
            Function("spwd", "getspall"),
            Function("spwd", "getspnam"),

            // Reaching past the interpreter: other interpreters' threads' objects (audited: sys._current_frames), the
            // allocators of the whole process, CPython's own fallbacks onto descriptor 2, a stack C code overflows.
            Function("_tracemalloc", "start"),
            Function("sys", "deactivate_stack_trampoline"),
            Function("sys", "_debugmallocstats"),
            Event("gc", "set_debug", "gc.set_debug", AuditEvent.GcDebug, new GuardArgument(0, "flags")),
            Event("_thread", "stack_size", "threading.stack_size", AuditEvent.StackSize, new GuardArgument(0, "size")),
            Function("_socket", "if_nameindex"),
            Function("_socket", "if_nametoindex"),
            Function("_socket", "if_indextoname"),
            Function("_sqlite3", "Connection.set_authorizer"),

            // What decides how native code is loaded, and the check that keeps single-phase modules out.
            Function("sys", "setdlopenflags"),
            Function("_imp", "_override_multi_interp_extensions_check"),

            // Process-wide settings.
            Function("time", "clock_settime"),
            Function("time", "clock_settime_ns"),
            Function("sys", "activate_stack_trampoline"),
            new("_locale", "setlocale", GuardKind.Function, "locale.setlocale", AuditEvent.Guard, [], OnlyWhenSet: new(1, "locale")),
            new("_locale", "textdomain", GuardKind.Function, "locale.textdomain", AuditEvent.Guard, [], OnlyWhenSet: new(0, "domain")),
            new("_locale", "bindtextdomain", GuardKind.Function, "locale.bindtextdomain", AuditEvent.Guard, [], OnlyWhenSet: new(1, "dir")),
            new("_locale", "bind_textdomain_codeset", GuardKind.Function, "locale.bind_textdomain_codeset", AuditEvent.Guard, [], OnlyWhenSet: new(1, "codeset")),
        };
        targets.AddRange(GuardedFunctions.ProcessAttributes.Select(name => Function("posix", name)));
        return [.. targets];
    }

    private static GuardTarget Function(string module, string function) =>
        new(module, function, GuardKind.Function, PublicModule(module) + "." + function, AuditEvent.Guard, []);

    private static GuardTarget Event(string module, string function, string name, AuditEvent rule, params GuardArgument[] arguments) =>
        new(module, function, GuardKind.Event, name, rule, arguments);

    private static GuardTarget Observe(string module, string function) =>
        new(module, function, GuardKind.Observe, PublicModule(module) + "." + function, AuditEvent.None, [], After: GuardAfter.RecordDescriptors);

    private static GuardTarget Descriptors(string module, string function, string name, params GuardArgument[] arguments) =>
        new(module, function, GuardKind.Event, name, AuditEvent.Descriptors, arguments);

    /// <summary>The name plugins know a builtin module by: <c>os._exit</c>, not <c>posix._exit</c>.</summary>
    private static string PublicModule(string module) => module switch
    {
        "posix" => "os",
        "_signal" => "signal",
        "_locale" => "locale",
        _ => module,
    };
}
