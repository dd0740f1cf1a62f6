namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Functions CPython raises no audit event for, which the native guards (<see cref="NativeGuards"/>) judge by name:
/// this says which capability allows each and why it is restricted.
/// </summary>
internal static class GuardedFunctions
{
    private const string HostProcess = "it acts on the whole host process and every plugin in it";
    private const string Handlers = "signal handlers belong to the host process, and CPython allows them only in the main thread of the main interpreter";
    private const string Waits = "waiting for a signal takes it from the host process, which handles its signals itself (SIGTERM stops it gracefully)";
    private const string Clock = "the system clock belongs to the whole machine";
    private const string Locale = "the C locale and the message catalogues are one per process";
    private const string Alarm = "the signal is delivered to the host process, whose default action for it is to terminate";

    private static readonly Dictionary<string, (Capability, string)> Functions = new(StringComparer.Ordinal)
    {
        ["os._exit"] = (Capability.ProcessExit, "it ends the whole host process and every plugin in it (sys.exit() stops this plugin only)"),
        ["os.abort"] = (Capability.ProcessExit, "it aborts the whole host process and every plugin in it (sys.exit() stops this plugin only)"),
        ["signal.raise_signal"] = (Capability.ProcessExit, "the signal is delivered to the host process itself"),
        ["signal.alarm"] = (Capability.ProcessExit, Alarm),
        ["signal.setitimer"] = (Capability.ProcessExit, Alarm),
        ["signal.siginterrupt"] = (Capability.None, Handlers),
        ["signal.sigwait"] = (Capability.None, Waits),
        ["signal.sigwaitinfo"] = (Capability.None, Waits),
        ["signal.sigtimedwait"] = (Capability.None, Waits),
        ["os.login_tty"] = (Capability.None, "it would make the host process a session leader with the plugin's terminal as its controlling terminal and its standard streams"),
        ["os.tcsetpgrp"] = (Capability.ProcessControl, "the terminal's foreground process group decides which processes the terminal's signals reach"),
        ["time.clock_settime"] = (Capability.ProcessControl, Clock),
        ["time.clock_settime_ns"] = (Capability.ProcessControl, Clock),
        ["sys.activate_stack_trampoline"] = (Capability.ProcessControl, "the perf trampoline is one per process and writes /tmp/perf-<pid>.map"),
        ["locale.setlocale"] = (Capability.ProcessControl, Locale),
        ["locale.textdomain"] = (Capability.ProcessControl, Locale),
        ["locale.bindtextdomain"] = (Capability.ProcessControl, Locale),
        ["locale.bind_textdomain_codeset"] = (Capability.ProcessControl, Locale),
        ["pwd.getpwall"] = (Capability.FileSystemRead, "it lists the machine's whole user database (/etc/passwd)"),
        ["grp.getgrall"] = (Capability.FileSystemRead, "it lists the machine's whole group database (/etc/group)"),
        ["spwd.getspall"] = (Capability.FileSystemRead, "it reads the machine's password hashes (/etc/shadow)"),
        ["spwd.getspnam"] = (Capability.FileSystemRead, "it reads the machine's password hashes (/etc/shadow)"),
        ["_tracemalloc.start"] = (Capability.None, "tracing installs its hooks in the memory allocators of the whole process, every plugin's and the host's"),
        ["sys.deactivate_stack_trampoline"] = (Capability.ProcessControl, "the perf trampoline is one per process"),
        ["sys._debugmallocstats"] = (Capability.ProcessStdio, "CPython prints these statistics on descriptor 2, the host's log"),
        ["_socket.if_nameindex"] = (Capability.Network, "the machine's network interfaces are the network's configuration"),
        ["_socket.if_nametoindex"] = (Capability.Network, "the machine's network interfaces are the network's configuration"),
        ["_socket.if_indextoname"] = (Capability.Network, "the machine's network interfaces are the network's configuration"),
        ["_sqlite3.Connection.set_authorizer"] = (Capability.None, "the host's own authorizer on every connection keeps SQLite's process-wide settings (temp_store_directory, heap limits) unchanged; a plugin's would replace it"),
        ["sys.setdlopenflags"] = (Capability.NativeCode, "how extension modules are linked (RTLD_GLOBAL, RTLD_DEEPBIND) decides which native symbols other interpreters' modules bind to"),
        ["_imp._override_multi_interp_extensions_check"] = (Capability.None, "it would let single-phase-init extension modules, whose static types and state every interpreter shares, load in this interpreter"),
    };

    /// <summary>Process-wide attributes in <c>os</c> guarded under <see cref="Capability.ProcessControl"/>.</summary>
    internal static readonly string[] ProcessAttributes =
    [
        "umask", "setuid", "setgid", "seteuid", "setegid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
        "initgroups", "setsid", "setpgid", "setpgrp", "nice", "setpriority", "sched_setaffinity", "sched_setscheduler",
        "sched_setparam", "chroot", "unshare", "setns",
    ];

    /// <summary>Every guarded function, for documentation and tests.</summary>
    internal static IEnumerable<string> Names => Functions.Keys.Concat(ProcessAttributes.Select(a => "os." + a));

    internal static (Capability Capability, string Why) Describe(string function)
    {
        if (Functions.TryGetValue(function, out var known))
            return known;
        if (function.StartsWith("os.", StringComparison.Ordinal) && ProcessAttributes.Contains(function[3..]))
            return (Capability.ProcessControl, HostProcess);
        return (Capability.None, "it is not a facility this interpreter may use");
    }
}
