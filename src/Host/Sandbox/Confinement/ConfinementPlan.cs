using System.Runtime.InteropServices;
using PluginHost.Host.Policy;
using PluginHost.Host.Sandbox.Landlock;
using PluginHost.Interpreter.Locating;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Sandbox.Confinement;

/// <summary>One path a confined process may use, how, and for whom (the report and the docs say it).</summary>
internal readonly record struct PathGrant(string Path, PathAccess Access, string For);

/// <summary>
/// What a process that runs one plugin may reach under Landlock: what the dynamic loader, the .NET runtime, the app,
/// CPython and the plugin must read (and execute, for the loader and the dotnet host), the plugin's granted paths, and
/// TCP only with <c>network</c>. Everything else on the file system is denied, writing included.
/// </summary>
internal sealed record ConfinementPlan(IReadOnlyList<PathGrant> Paths, bool AllowTcp)
{
    private const string System = "the dynamic loader and system libraries";
    private const string DotNet = "the .NET runtime";
    private const string Python = "CPython";
    private const string Plugin = "the plugin";
    private const string Network = "name resolution and TLS (network)";

    /// <summary>The plan for the plugin in <paramref name="pluginFolder"/> granted <paramref name="capabilities"/>, run by <paramref name="python"/>.</summary>
    public static ConfinementPlan For(string pluginFolder, PluginCapabilities capabilities, PythonInstallation python)
    {
        var paths = new List<PathGrant>();
        void Add(string path, PathAccess access, string who) => paths.Add(new PathGrant(path, access, who));

        foreach (var library in new[] { "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib" })
            Add(library, PathAccess.ReadExecute, System);
        Add("/etc/ld.so.cache", PathAccess.Read, System);
        Add("/etc/ld.so.preload", PathAccess.Read, System);

        foreach (var runtime in DotNetDirectories())
            Add(runtime, PathAccess.ReadExecute, DotNet);
        Add("/etc/dotnet", PathAccess.Read, DotNet);   // where an apphost looks for the runtime
        // The process's own /proc entry (memory maps, cgroup, threads), memory figures, cgroup limits and CPU and NUMA
        // topology: the GC sizes itself by them. (Thread names, written to /proc/self/task/*/comm, stay unset.)
        foreach (var entry in new[] { "/proc/self", "/proc/meminfo", "/proc/sys/vm/overcommit_memory", "/sys/fs/cgroup", "/sys/devices/system/cpu", "/sys/devices/system/node" })
            Add(entry, PathAccess.Read, DotNet);

        Add(PythonPrefix(python), PathAccess.Read, Python);
        Add(Path.GetDirectoryName(python.LibraryPath)!, PathAccess.Read, Python);

        // What the audit hook lets every plugin read, and /dev/null to write.
        foreach (var device in new[] { "/dev/urandom", "/dev/random", "/dev/zero", "/dev/full" })
            Add(device, PathAccess.Read, Plugin);
        Add("/dev/null", PathAccess.Full, Plugin);
        Add("/etc/localtime", PathAccess.Read, Plugin);
        Add("/usr/share/zoneinfo", PathAccess.Read, Plugin);
        Add(pluginFolder, PathAccess.Read, Plugin);

        var granted = capabilities.Granted;
        if ((granted & Capability.FileSystemWrite) != 0)
            Add("/", PathAccess.Full, Plugin + " (filesystem.write)");
        else if ((granted & Capability.FileSystemRead) != 0)
            Add("/", PathAccess.Read, Plugin + " (filesystem.read)");
        foreach (var read in capabilities.ReadPaths)
            Add(read, PathAccess.Read, Plugin + " (filesystem.read:)");
        foreach (var write in capabilities.WritePaths)
            Add(write, PathAccess.Full, Plugin + " (filesystem.write:)");

        var network = (granted & Capability.Network) != 0;
        if (network)
        {
            foreach (var file in new[] { "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/host.conf", "/etc/services", "/etc/protocols", "/etc/ssl" })
                Add(file, PathAccess.Read, Network);
        }
        return new ConfinementPlan(paths, network);
    }

    /// <summary>Builds the Landlock ruleset for this plan on ABI <paramref name="abi"/>; paths that do not exist are left out.</summary>
    public LandlockRuleset ToRuleset(int abi)
    {
        var ruleset = LandlockRuleset.Create(abi, restrictTcp: !AllowTcp);
        try
        {
            foreach (var grant in Paths)
                ruleset.Allow(grant.Path, grant.Access);
            return ruleset;
        }
        catch
        {
            ruleset.Dispose();
            throw;
        }
    }

    // The shared runtime (…/dotnet/shared/Microsoft.NETCore.App/<version>/ → the dotnet root, where the host and
    // hostfxr live too), the dotnet executable's folder, and the app's own folder.
    private static IEnumerable<string> DotNetDirectories()
    {
        var runtime = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        var framework = Directory.GetParent(runtime)?.Parent;
        yield return framework?.Name == "shared" && framework.Parent is { } root ? root.FullName : runtime;
        if (Environment.ProcessPath is { } process && new FileInfo(process).ResolveLinkTarget(returnFinalTarget: true) is { } real)
            yield return Path.GetDirectoryName(real.FullName)!;
        else if (Environment.ProcessPath is { } path)
            yield return Path.GetDirectoryName(path)!;
        yield return AppContext.BaseDirectory;
    }

    // The installation prefix (<prefix>/lib/python3.X is the standard library); without a known home, the folder above libpython's.
    private static string PythonPrefix(PythonInstallation python) =>
        python.Home ?? Path.GetDirectoryName(Path.GetDirectoryName(python.LibraryPath)!)!;
}
