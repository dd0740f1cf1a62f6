using PluginHost.Host.Configuration;
using PluginHost.Host.Policy;
using PluginHost.Host.Sandbox.Landlock;
using PluginHost.Host.Sandbox.Seccomp;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Locating;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Sandbox.Confinement;

/// <summary>How <c>pluginhost check</c> runs with respect to the kernel sandbox.</summary>
internal enum CheckConfinement
{
    /// <summary>The default: confine this process and re-execute it (then it is <see cref="Inside"/>), where the kernel can.</summary>
    Confine,

    /// <summary><c>--no-confine</c>: an ordinary process.</summary>
    Off,

    /// <summary>This process is the re-executed, confined one (<see cref="CheckSandbox.InsideFlag"/>, set by pluginhost itself).</summary>
    Inside,
}

/// <summary>
/// The kernel sandbox of <c>pluginhost check</c>, which imports a possibly hostile plugin in its own process: the
/// whole process confined as a worker process for that plugin will be (docs/kernel-backstop.md) — Landlock to the
/// files the runtime and the plugin need, TCP only with <c>network</c>, no capabilities, no_new_privs, and the seccomp
/// filter for that one plugin's capabilities, installed once CPython is up.
/// </summary>
internal sealed class CheckSandbox(CheckConfinement mode, SandboxOptions options)
{
    /// <summary>Appended to the command line of the re-executed process; not for people to type.</summary>
    public const string InsideFlag = "--confined";

    public bool IsInside => mode == CheckConfinement.Inside;

    /// <summary>
    /// Before CPython starts. By default confines the process and re-executes it, and so returns only when it will
    /// not: with the report of an unconfined run. Throws <see cref="InvalidOperationException"/> when confinement was
    /// required (<c>PluginHost:Sandbox:Required</c>) but is unavailable, or failed half-way.
    /// </summary>
    public SandboxReport? Enter(string folder, PluginCapabilities capabilities, PythonRuntimeOptions python)
    {
        if (mode == CheckConfinement.Inside)
            return null;
        if (mode == CheckConfinement.Off)
            return SandboxReport.NotConfined("--no-confine");
        if (!options.Enabled)
            return SandboxReport.NotConfined($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Enabled)} is false");
        var (abi, landlock) = KernelSupport.Landlock();
        if ((landlock ?? KernelSupport.SeccompUnavailable()) is { } reason)
        {
            return options.Required
                ? throw new InvalidOperationException($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Required)} is true, but {reason}")
                : SandboxReport.NotConfined(reason);
        }

        var installation = python.Installation ?? PythonLocator.ForThisProcess().Locate(python.Library);
        var plan = ConfinementPlan.For(folder, capabilities, installation);
        try
        {
            // The re-executed process finds CPython where this one did, without running a python executable to ask; its
            // content root is the app's folder, as the default host builder reads appsettings.json there (check uses
            // no path relative to the content root, and the working directory stays as it is).
            SelfConfinement.ReExecute(plan, abi,
                [InsideFlag, $"--{PythonLocator.ConfigurationKey}={installation.LibraryPath}", $"--contentRoot={AppContext.BaseDirectory}"],
                new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" });
        }
        catch (Exception e) when (e is Native.KernelException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"could not confine the check ({e.Message}); check --no-confine runs it without the kernel sandbox");
        }
        throw new InvalidOperationException("unreachable: execve returned");
    }

    /// <summary>
    /// In the re-executed process, once CPython is up and before the plugin is imported: checks that the process
    /// really is confined (no_new_privs, no capabilities) and installs the plugin's seccomp filter on every thread.
    /// </summary>
    public SandboxReport CompleteInside(string folder, PluginCapabilities capabilities, PythonInstallation python)
    {
        var before = ProcessStatus.Read();
        if (!before.NoNewPrivileges || (before.Effective | before.Permitted) != 0)
            throw new InvalidOperationException($"{InsideFlag} is set by pluginhost when it re-executes check inside the kernel sandbox, and this process is not confined; run check without it");
        var filter = SeccompFilter.Build(capabilities.Granted, Environment.ProcessId, options.AllowSyscalls);
        filter.InstallOnAllThreads();
        var status = ProcessStatus.Read();
        var (abi, _) = KernelSupport.Landlock();
        var paths = ConfinementPlan.For(folder, capabilities, python).Paths.Where(p => Path.Exists(p.Path)).DistinctBy(p => p.Path).ToList();
        return new SandboxReport
        {
            Confined = true,
            LandlockAbi = abi,
            Readable = [.. paths.Where(p => p.Access != PathAccess.Full).Select(p => p.Path)],
            Writable = [.. paths.Where(p => p.Access == PathAccess.Full).Select(p => p.Path)],
            Tcp = (capabilities.Granted & Capability.Network) != 0 ? "allowed (network)" : abi >= LandlockRuleset.TcpAbi ? "denied" : "not restricted (Landlock ABI < 4)",
            SeccompDenies = [.. filter.DeniedGroups.Select(g => g.Name)],
            NoNewPrivileges = status.NoNewPrivileges,
            NoCapabilities = (status.Effective | status.Permitted | status.Inheritable | status.Ambient) == 0,
            EmptyBoundingSet = status.Bounding == 0,
            Limits = LandlockRuleset.LimitsOf(abi),
        };
    }
}
