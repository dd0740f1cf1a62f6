using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Isolation;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Host.Sandbox.Seccomp;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Sandbox;

/// <summary>
/// The run mode's kernel backstop: one seccomp filter on every thread of the host, installed after CPython is
/// initialised and before the first plugin starts, denying what no plugin that will run is granted (the union of
/// their capabilities) and what neither the host nor any plugin may do. Per interpreter thread it cannot be (see
/// docs/kernel-backstop.md), so it is as strict as the most trusted plugin allows.
/// </summary>
internal sealed class ProcessBackstop(IOptions<SandboxOptions> sandbox, IOptions<PluginHostOptions> host, ILogger<ProcessBackstop> logger)
{
    private Capability _granted;
    private bool _workersSpawnedOutside;

    /// <summary>The filter in force, once installed.</summary>
    public SeccompFilter? Filter { get; private set; }

    /// <summary>
    /// Why <paramref name="plugin"/>, configured by <paramref name="options"/>, cannot start under the filter installed at
    /// start — it needs a capability no plugin held then, and a filter can only be tightened — or null. For live changes.
    /// </summary>
    public string? Refuses(PluginDescriptor plugin, PluginHostOptions options)
    {
        if (Filter is null)
            return null;
        var needs = Holders([plugin], _workersSpawnedOutside, options).Keys.Aggregate(Capability.None, (all, one) => all | one) & ~_granted;
        return needs == Capability.None ? null
            : $"it needs {string.Join(", ", CapabilityNames.Each(needs))}, which the kernel backstop installed at start denies the whole host (no plugin held it then; a seccomp filter can only be tightened): restart the host to apply this change";
    }

    /// <summary>
    /// Installs the filter for <paramref name="plugins"/> (the enabled, loadable ones: what will run). Logs once what
    /// it denies and why, or that enforcement is audit-hook only. Throws when the kernel cannot and
    /// <c>PluginHost:Sandbox:Required</c> is set.
    /// </summary>
    /// <param name="workersSpawnedOutside">A spawner started before the filter starts (and kills) the worker processes: the host needs no process creation for them.</param>
    public void Install(IEnumerable<PluginDescriptor> plugins, bool workersSpawnedOutside = false)
    {
        if (Filter is not null)
            throw new InvalidOperationException("The kernel backstop is installed once per process.");
        var options = sandbox.Value;
        if (!options.Enabled)
        {
            logger.BackstopDisabled($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Enabled)}");
            return;
        }
        if (KernelSupport.SeccompUnavailable() is { } reason)
        {
            if (options.Required)
                throw new InvalidOperationException($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Required)} is true, but {reason}.");
            logger.BackstopUnavailable(reason);
            return;
        }

        var holders = Holders(plugins, workersSpawnedOutside, host.Value);
        var granted = holders.Keys.Aggregate(Capability.None, (all, one) => all | one);
        (_granted, _workersSpawnedOutside) = (granted, workersSpawnedOutside);
        // A worker inherits this filter and enters its own sandbox under it: it needs its own network namespace and limits.
        var exempt = holders.GetValueOrDefault(Capability.ProcessSpawn)?.Any(h => h.EndsWith(WorkerHolder, StringComparison.Ordinal)) == true
            ? [.. options.AllowSyscalls.Union(WorkerSandboxSyscalls)]
            : options.AllowSyscalls;
        var filter = SeccompFilter.Build(granted, Environment.ProcessId, exempt);
        var noNewPrivileges = filter.InstallOnAllThreads();
        Filter = filter;
        logger.BackstopInstalled(
            noNewPrivileges ? "no_new_privs set: the host lacks CAP_SYS_ADMIN" : "no_new_privs not needed: the host has CAP_SYS_ADMIN",
            Denied(filter),
            Allowed(filter, holders));
        foreach (var group in filter.DeniedGroups)
            logger.BackstopGroup(group.Name, string.Join(", ", filter.Checks.Where(c => c.Group == group).Select(c => c.Display)));
    }

    /// <summary>Each capability any of the plugins holds, with the plugins that hold it.</summary>
    private static Dictionary<Capability, List<string>> Holders(IEnumerable<PluginDescriptor> plugins, bool workersSpawnedOutside, PluginHostOptions options)
    {
        var holders = new Dictionary<Capability, List<string>>();
        foreach (var plugin in plugins)
        {
            // Capabilities that do not parse stop that plugin from starting (PluginInstance): it holds nothing.
            var errors = new List<string>();
            var capabilities = PluginPolicies.Resolve(plugin, options.Plugins.GetValueOrDefault(plugin.Name)?.Capabilities, errors);
            if (errors.Count > 0)
                continue;
            foreach (var capability in Enum.GetValues<Capability>().Where(c => c != Capability.None && (capabilities.Granted & c) != 0))
                (holders.TryGetValue(capability, out var list) ? list : holders[capability] = []).Add(plugin.Name);
            // Without the spawner, the host starts the worker processes of plugins in process isolation itself: it needs
            // to spawn (docs/kernel-backstop.md, "Plugins in process isolation").
            if (!workersSpawnedOutside && RunsInWorker(plugin, options))
                (holders.TryGetValue(Capability.ProcessSpawn, out var spawners) ? spawners : holders[Capability.ProcessSpawn] = []).Add(plugin.Name + WorkerHolder);
        }
        return holders;
    }

    private const string WorkerHolder = " (isolation: process)";

    /// <summary>
    /// What a worker process, which inherits this filter, needs to enter its own sandbox when it is on: a network
    /// namespace of its own (unshare) and its resource limits. Left open while a plugin runs in a worker.
    /// </summary>
    private static readonly string[] WorkerSandboxSyscalls = ["unshare", "setrlimit", "prlimit64"];

    // An unknown isolation stops that plugin from starting (PluginInstance): it starts no worker.
    private static bool RunsInWorker(PluginDescriptor plugin, PluginHostOptions options) =>
        IsolationModes.Of(plugin, options.Plugins.GetValueOrDefault(plugin.Name), out _) == IsolationMode.Process;

    private static string Denied(SeccompFilter filter)
    {
        var unlockable = filter.DeniedGroups.Where(g => !g.IsAlwaysDenied)
            .Select(g => $"{g.Name} (no plugin holds {string.Join(" or ", CapabilityNames.Each(g.UnlockedBy))})");
        var always = filter.DeniedGroups.Where(g => g.IsAlwaysDenied).Select(g => g.Name).ToList();
        var exempt = filter.Exempted.Count == 0 ? "" : $"; exempted (by configuration, or for the worker sandbox of plugins in process isolation): {string.Join(", ", filter.Exempted)}";
        return string.Join(", ", unlockable) + (always.Count == 0 ? "" : $"; always: {string.Join(", ", always)}") + exempt;
    }

    private static string Allowed(SeccompFilter filter, Dictionary<Capability, List<string>> holders)
    {
        var allowed = filter.UnlockedGroups
            .Select(g => $"{g.Name} ({string.Join("; ", holders.Where(h => (h.Key & g.UnlockedBy) != 0).Select(h => $"{CapabilityNames.Of(h.Key)}: {string.Join(", ", h.Value)}"))})")
            .ToList();
        return allowed.Count == 0 ? "" : $"Allowed because plugins hold the capability: {string.Join(", ", allowed)}. ";
    }
}
