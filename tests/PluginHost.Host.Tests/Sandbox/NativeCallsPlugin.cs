using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Host.Tests.HostFunctions;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary>
/// A plugin granted <c>native-code</c> that makes raw syscalls (tests/Plugins/native-calls: a C extension module built
/// here with gcc against the CPython the host will load, and probe.py), so the audit hook never sees them: what stops
/// them is the kernel or nothing. Its results are one JSON object, name → "ok" or the errno's name.
/// </summary>
internal static partial class NativeCallsPlugin
{
    private static readonly Lazy<string> Module = new(Build);

    /// <summary>Copies the module and probe.py into <paramref name="folder"/>.</summary>
    public static void AddTo(string folder)
    {
        File.Copy(Module.Value, Path.Combine(folder, Path.GetFileName(Module.Value)), overwrite: true);
        File.Copy(Path.Combine(Source, "probe.py"), Path.Combine(folder, "probe.py"), overwrite: true);
    }

    /// <summary>The results a plugin printed (or raised) as <c>NATIVE {json}</c> somewhere in <paramref name="text"/>.</summary>
    public static Dictionary<string, string> Results(string text)
    {
        var match = Marker().Match(text);
        Assert.True(match.Success, $"no NATIVE results in:\n{text}");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(Regex.Unescape(match.Groups[1].Value))!;
    }

    /// <summary>
    /// What the seccomp filter denies a plugin that holds none of <c>process.spawn</c>, <c>cwd</c>,
    /// <c>process.control</c>, <c>process.signal</c> — in <c>check</c>'s process and in the host's alike — and what
    /// it leaves to the runtime and glibc.
    /// </summary>
    public static void AssertDeniedByTheFilter(Dictionary<string, string> results)
    {
        foreach (var call in new[] { "socket AF_PACKET", "socket AF_INET SOCK_RAW", "socket NETLINK_AUDIT", "setsid", "execve", "chdir", "prlimit64 set", "kill 1", "ptrace", "ioctl TIOCSTI" })
            Assert.True(results[call] == "EPERM", $"{call}: {results[call]}, not EPERM");
        Assert.Equal("ENOSYS", results["clone3"]);
        // Other ABIs' numbers mean other syscalls: denied before any number is looked at.
        Assert.Equal("EPERM", results["x32 getpid"]);
        Assert.Equal("EPERM", results["i386 getpid"]);
        foreach (var call in new[] { "socket NETLINK_ROUTE", "prlimit64 read", "personality query" })
            Assert.True(results[call] == "ok", $"{call}: {results[call]}, not allowed");
    }

    [GeneratedRegex(@"NATIVE (\{[^}]*\})")]
    private static partial Regex Marker();

    private static string Source => DotNetPluginTests.FixturePlugin("native-calls");

    // One build per test run, against the Python the host will choose.
    private static string Build() => CExtension.Build(Path.Combine(Source, "nativecalls.c"), "nativecalls");
}
