namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Functions CPython raises no audit event for, which guards.py replaces in a governed interpreter: the event
/// <c>pluginhost.guard</c> names one of them, and this says which capability allows it and why it is restricted.
/// </summary>
internal static class GuardedFunctions
{
    private const string HostProcess = "it acts on the whole host process and every plugin in it";
    private const string Streams = "file descriptors 0, 1 and 2 are the standard streams of the host process, shared by every plugin";
    private const string Handlers = "signal handlers belong to the host process, and CPython allows them only in the main thread of the main interpreter";
    private const string Alarm = "the signal is delivered to the host process, whose default action for it is to terminate";

    private static readonly Dictionary<string, (Capability, string)> Functions = new(StringComparer.Ordinal)
    {
        ["os._exit"] = (Capability.ProcessExit, "it ends the whole host process and every plugin in it (sys.exit() stops this plugin only)"),
        ["os.abort"] = (Capability.ProcessExit, "it aborts the whole host process and every plugin in it (sys.exit() stops this plugin only)"),
        ["signal.raise_signal"] = (Capability.ProcessExit, "the signal is delivered to the host process itself"),
        ["signal.alarm"] = (Capability.ProcessExit, Alarm),
        ["signal.setitimer"] = (Capability.ProcessExit, Alarm),
        ["signal.pidfd_send_signal"] = (Capability.ProcessSignal, "sending signals to other processes needs a grant"),
        ["signal.signal"] = (Capability.None, Handlers),
        ["signal.set_wakeup_fd"] = (Capability.None, Handlers),
        ["signal.siginterrupt"] = (Capability.None, Handlers),
        ["os.dup2"] = (Capability.ProcessStdio, Streams),
        ["os.close"] = (Capability.ProcessStdio, Streams),
        ["os.closerange"] = (Capability.ProcessStdio, Streams),
        ["_imp.create_builtin"] = (Capability.None, "a second copy of this builtin module would bring back the functions this plugin's policy replaced"),
        ["locale.setlocale"] = (Capability.ProcessControl, "the C locale is one per process"),
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
