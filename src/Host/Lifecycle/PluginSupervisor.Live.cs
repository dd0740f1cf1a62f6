using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Lifecycle.Live;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Lifecycle;

// Live changes: a new configuration and plugin folders, already validated as a whole (LiveReconfiguration), applied
// plugin by plugin while the others run untouched. One change at a time, never beside the host's stop.
internal sealed partial class PluginSupervisor
{
    private readonly Dictionary<string, Deployment> _deployed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PluginRevision> _rolledBack = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private PluginHostOptions? _applied;   // the options of the last live change; null: the host's own

    /// <summary>The options in force: the host's at start, then each live change's.</summary>
    public PluginHostOptions Options => _applied ?? options.Value;

    /// <summary>What runs of one plugin: the descriptor and revision its instances were started from.</summary>
    private sealed class Deployment(PluginDescriptor descriptor, PluginRevision revision)
    {
        public PluginDescriptor Descriptor { get; set; } = descriptor;
        public PluginRevision Revision { get; set; } = revision;
        public List<PluginInstance> Instances { get; set; } = [];
        public PluginAssemblies? Assemblies { get; set; }
    }

    /// <summary>
    /// Applies <paramref name="next"/> (options) and <paramref name="discovery"/> (plugin folders found with them):
    /// removals first, then additions, replacements and scaling. <paramref name="force"/> retries a version rolled back
    /// before (SIGHUP). Returns what changed, one entry per plugin; false when the host is stopping.
    /// </summary>
    public async Task<IReadOnlyList<PluginChange>?> ApplyAsync(PluginHostOptions next, DiscoveryResult discovery, bool force)
    {
        try
        {
            await _changing.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        try
        {
            if (force)
                _rolledBack.Clear();
            Dictionary<string, (PluginDescriptor, PluginRevision)> running;
            lock (_instances)
                running = _deployed.ToDictionary(d => d.Key, d => (d.Value.Descriptor, d.Value.Revision), StringComparer.Ordinal);
            var changes = LivePlan.Compare(running, discovery.Plugins, d => PluginRevision.Of(d, next), _rolledBack)
                .Select(c => c.Next is { } plugin && c.Kind is ChangeKind.Add or ChangeKind.Replace && backstop?.Refuses(plugin, next) is { } refused
                    ? c with { Kind = ChangeKind.Reject, Why = refused }
                    : c)
                .ToList();
            _applied = next;
            _descriptors = discovery.Plugins;
            foreach (var warning in discovery.Warnings)
                _logger.DiscoveryWarning(warning);
            foreach (var change in changes.Where(c => c.Kind == ChangeKind.Remove))
                await RemoveAsync(change).ConfigureAwait(false);
            var added = changes.Where(c => c.Kind == ChangeKind.Add).ToList();
            if (added.Count > 0)
                await AddAsync(added).ConfigureAwait(false);
            foreach (var change in changes.Where(c => c.Kind is ChangeKind.Replace or ChangeKind.Scale or ChangeKind.Reject))
            {
                if (_stopping.IsCancellationRequested)
                    break;
                if (change.Kind == ChangeKind.Reject)
                    _logger.PluginChangeRejected(change.Plugin, change.Why);
                else if (change.Kind == ChangeKind.Scale)
                    await ScaleAsync(change).ConfigureAwait(false);
                else
                    await ReplaceAsync(change).ConfigureAwait(false);
            }
            return changes;
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>Drains and stops every instance of the plugin (dependents first is the operator's order), then unloads its assemblies.</summary>
    private async Task RemoveAsync(PluginChange change)
    {
        var deployment = _deployed[change.Plugin];
        _logger.PluginRemoving(change.Plugin, deployment.Instances.Count, change.Why);
        await StopInstancesAsync(deployment.Instances.AsEnumerable().Reverse().ToList()).ConfigureAwait(false);
        lock (_instances)
            _deployed.Remove(change.Plugin);
        Unload(change.Plugin, deployment.Assemblies);
    }

    /// <summary>New plugins start as at the host's start: in waves by dependsOn, under the restart policy.</summary>
    private async Task AddAsync(IReadOnlyList<PluginChange> added)
    {
        using var expected = broker.ExpectOwners(added.Select(c => c.Plugin));
        using var slots = new SemaphoreSlim(ParallelStarts);
        foreach (var wave in PluginDependencies.Waves([.. added.Select(c => c.Next!)]))
        {
            var starts = new List<Task>();
            foreach (var descriptor in wave)
            {
                _logger.PluginAdding(descriptor.Name, descriptor.Manifest!.Version, descriptor.Instances, descriptor.Folder);
                lock (_instances)
                    _deployed[descriptor.Name] = new Deployment(descriptor, added.First(c => c.Plugin == descriptor.Name).Revision!);
                starts.AddRange(StartInstances(descriptor, slots, _stopping.Token));
            }
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
    }

    /// <summary>More instances start (under the restart policy); fewer: the highest-numbered drain and stop.</summary>
    private async Task ScaleAsync(PluginChange change)
    {
        var deployment = _deployed[change.Plugin];
        var next = change.Next!;
        _logger.PluginScaling(change.Plugin, deployment.Instances.Count, next.Instances);
        deployment.Descriptor = next;
        var count = deployment.Instances.Count;
        if (next.Instances > count)
        {
            using var slots = new SemaphoreSlim(ParallelStarts);
            await Task.WhenAll(Enumerable.Range(count, next.Instances - count)
                .Select(number => StartOne(next, number, deployment.Assemblies, null, slots, _stopping.Token))).ConfigureAwait(false);
            return;
        }
        var leaving = deployment.Instances.Where(i => i.Number >= next.Instances).OrderByDescending(i => i.Number).ToList();
        await StopInstancesAsync(leaving).ConfigureAwait(false);
    }

    /// <summary>
    /// Blue-green, one instance at a time: each new instance starts beside the running ones and joins them as it runs;
    /// once all run, the old ones drain and stop one at a time. A new instance that cannot start withdraws (handing back
    /// what it was given), the ones already started stop, and the old version goes on serving: rolled back.
    /// </summary>
    private async Task ReplaceAsync(PluginChange change)
    {
        var deployment = _deployed[change.Plugin];
        var next = change.Next!;
        var sameCode = deployment.Revision.SameCode(change.Revision!);
        _logger.PluginReplacing(change.Plugin, deployment.Descriptor.Manifest!.Version, next.Manifest!.Version, deployment.Instances.Count, next.Instances, change.Why);
        var (assemblies, loadError) = sameCode ? (deployment.Assemblies, null) : LoadAssemblies(next);
        var started = new List<PluginInstance>();
        string? failure = loadError;
        for (var number = 0; number < next.Instances && failure is null; number++)
        {
            var instance = new PluginInstance(next, number, loggers, broker, _watchdogs, Options, _functions.Host, assemblies?.Functions, _workerSandboxes);
            lock (_instances)
                _instances.Add(instance);
            failure = await instance.TryStartAsync(python.Runtime, Options.StartTimeout, Options.HandlerTimeout, _stopping.Token).ConfigureAwait(false);
            if (failure is null)
            {
                started.Add(instance);
                continue;
            }
            failure = $"instance {number}: {PluginInstance.FirstLine(failure)}";
            await instance.WithdrawAsync(new StopBudget(Options.StopTimeout)).ConfigureAwait(false);
            Forget(instance);
        }
        if (failure is not null)
        {
            await StopInstancesAsync(started.AsEnumerable().Reverse().ToList()).ConfigureAwait(false);
            if (!sameCode && assemblies is not null)
                Unload(change.Plugin, assemblies);
            _rolledBack[change.Plugin] = change.Revision!;
            _logger.PluginRolledBack(change.Plugin, next.Manifest.Version, deployment.Descriptor.Manifest.Version, failure);
            return;
        }
        var old = deployment.Instances;
        var oldAssemblies = deployment.Assemblies;
        lock (_instances)
        {
            deployment.Instances = started;
            deployment.Descriptor = next;
            deployment.Revision = change.Revision!;
            deployment.Assemblies = assemblies;
        }
        _rolledBack.Remove(change.Plugin);
        await StopInstancesAsync(old.AsEnumerable().Reverse().ToList()).ConfigureAwait(false);
        if (!sameCode && oldAssemblies is not null)
            Unload(change.Plugin, oldAssemblies);
        _logger.PluginReplaced(change.Plugin, next.Manifest.Version, started.Count);
    }

    /// <summary>One at a time, each within its own StopTimeout: its inbox drains, teardown() runs, its interpreter ends.</summary>
    private async Task StopInstancesAsync(IReadOnlyList<PluginInstance> instances)
    {
        foreach (var instance in instances)
        {
            try
            {
                await instance.StopAsync(new StopBudget(Options.StopTimeout)).ConfigureAwait(false);   // not cut short by the host's stop, which awaits the same stop
            }
            catch (Exception e)
            {
                _logger.InstanceStopFailed(instance.Name, instance.Number, e);
            }
            Forget(instance);
        }
    }

    /// <summary>A stopped instance leaves the lists (status, the host's stop) and its plugin's deployment.</summary>
    private void Forget(PluginInstance instance)
    {
        lock (_instances)
        {
            _instances.Remove(instance);
            if (_deployed.TryGetValue(instance.Name, out var deployment))
                deployment.Instances.Remove(instance);
        }
    }

    /// <summary>Unloads one plugin's assemblies (live, or at the host's stop) and forgets them.</summary>
    private void Unload(string plugin, PluginAssemblies? assemblies)
    {
        if (assemblies is null)
            return;
        _assemblies.RemoveAll(a => ReferenceEquals(a.Assemblies, assemblies));
        assemblies.Dispose();
        _logger.PluginAssembliesUnloaded(plugin, assemblies.IsUnloadable);
    }

    /// <summary>The host stops: no live change begins, one under way ends its starts and is waited for within the teardown share.</summary>
    private async Task EndLiveChangesAsync(StopBudget budget)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            if (await _changing.WaitAsync(budget.TeardownLeft, budget.Cancellation).ConfigureAwait(false))
                _changing.Release();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
