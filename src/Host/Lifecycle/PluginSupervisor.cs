using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Isolation;
using PluginHost.Host.Lifecycle.Live;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Sandbox;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Starts every loadable plugin's instances (in waves by dependsOn, in parallel within a wave), each in its own
/// interpreter, and stops them in reverse start order, all within one StopTimeout. Live changes (added, removed,
/// reconfigured, scaled or upgraded plugins) are applied in PluginSupervisor.Live.cs. A plugin's <c>dotnet/</c> assemblies load before its first instance starts and unload
/// after its instances stopped. A plugin that cannot load or start is logged and marked; the others carry on. The
/// kernel backstop, when given, is installed after discovery and before the first instance starts, for the plugins
/// that will run.
/// </summary>
internal sealed partial class PluginSupervisor(
    IRuntimeAccess python,
    PluginCatalog catalog,
    IOptions<PluginHostOptions> options,
    MessageBroker broker,
    ILoggerFactory loggers,
    HostFunctionRegistry? functions = null,
    ProcessBackstop? backstop = null,
    IOptions<SandboxOptions>? sandbox = null) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<PluginSupervisor>();
    // Without configuration (tests), workers get the default: sandboxed where the kernel can.
    private readonly WorkerSandboxes _workerSandboxes = new(sandbox?.Value ?? new SandboxOptions(), loggers.CreateLogger<WorkerSandboxes>());
    private readonly HostFunctionRegistry _functions = functions ?? HostFunctionRegistry.Empty(loggers);
    private readonly WatchdogClock _watchdogs = new(loggers.CreateLogger<WatchdogClock>());
    private readonly List<PluginInstance> _instances = [];
    private readonly List<(string Plugin, PluginAssemblies Assemblies)> _assemblies = [];
    private IReadOnlyList<PluginDescriptor> _descriptors = [];

    public IReadOnlyList<PluginDescriptor> Descriptors => _descriptors;

    public IReadOnlyList<PluginStatus> Statuses
    {
        get
        {
            lock (_instances)
                return _instances.Select(i => i.Status).ToList();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var discovery = catalog.Scan();
        foreach (var warning in discovery.Warnings)
            _logger.DiscoveryWarning(warning);
        _descriptors = discovery.Plugins;
        var running = _descriptors.Where(d => d.Enabled && d.CanLoad).ToList();
        foreach (var descriptor in running)
            _deployed[descriptor.Name] = new Deployment(descriptor, PluginRevision.Of(descriptor, Options));
        _workerSandboxes.Spawner = StartSpawner(running);   // before the backstop: it may spawn, the host then need not
        backstop?.Install(running, workersSpawnedOutside: _workerSandboxes.Spawner is not null);
        foreach (var descriptor in _descriptors)
        {
            if (!descriptor.Enabled)
                _logger.PluginDisabled(descriptor.Name);
            else if (!descriptor.CanLoad)
                _logger.PluginNotLoadable(descriptor.Name, descriptor.LoadError ?? "unknown error");
        }
        // Wave by wave (dependsOn): a wave starts once every instance of the one before has started or failed.
        // Within a wave, up to MaxParallelStarts instances start at once; each start keeps its own StartTimeout.
        using var slots = new SemaphoreSlim(ParallelStarts);
        // Requests to a plugin still to start wait for it until the start is over (then it runs, or never will).
        using var expected = broker.ExpectOwners(running.Select(d => d.Name));
        var total = running.Sum(d => d.Instances);
        foreach (var wave in PluginDependencies.Waves(_descriptors))
        {
            var starts = new List<Task>();
            foreach (var descriptor in wave)
            {
                WarnIfDependenciesDown(descriptor);
                starts.AddRange(StartInstances(descriptor, slots, cancellationToken));
            }
            await Task.WhenAll(starts);
            // SIGTERM while starting: start no more; StopAsync stops those that started (or are starting).
            if (cancellationToken.IsCancellationRequested)
            {
                if (total - Statuses.Count is > 0 and var left)
                    _logger.StartCancelled(left);
                return;
            }
        }
        var statuses = Statuses;
        _logger.PluginsStarted(statuses.Count(s => s.State == PluginState.Running), statuses.Count);
    }

    /// <summary>
    /// One instance, once a start slot is free. It joins the instance list only then, so an instance the host never
    /// began to start is not stopped, and the list stays in start order (stopping reverses it: dependents first).
    /// </summary>
    private async Task StartOne(PluginDescriptor descriptor, int number, PluginAssemblies? assemblies, string? loadError,
        SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;   // counted by StartCancelled
        }
        try
        {
            // The slot may come free because the stop ended the start holding it: then this one must not begin.
            if (cancellationToken.IsCancellationRequested)
                return;
            var instance = NewInstance(descriptor, number, assemblies);
            if (loadError is not null)
                instance.MarkFailed(loadError);
            else
                await instance.StartAsync(python.Runtime, Options.StartTimeout, Options.HandlerTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Loads the plugin's assemblies into its deployment, then starts each of its instances once a slot is free.</summary>
    private List<Task> StartInstances(PluginDescriptor descriptor, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        var (assemblies, loadError) = LoadAssemblies(descriptor);
        _deployed[descriptor.Name].Assemblies = assemblies;
        return [.. Enumerable.Range(0, descriptor.Instances).Select(number => StartOne(descriptor, number, assemblies, loadError, slots, cancellationToken))];
    }

    /// <summary>A new instance of the plugin's deployment, listed (in start order) before it starts.</summary>
    private PluginInstance NewInstance(PluginDescriptor descriptor, int number, PluginAssemblies? assemblies)
    {
        var instance = new PluginInstance(descriptor, number, loggers, broker, _watchdogs, Options, _functions.Host, assemblies?.Functions, _workerSandboxes);
        lock (_instances)
        {
            _instances.Add(instance);
            _deployed[descriptor.Name].Instances.Add(instance);
        }
        return instance;
    }

    private int ParallelStarts => Options.MaxParallelStarts > 0 ? Options.MaxParallelStarts : Environment.ProcessorCount;

    /// <summary>A dependency that failed to start is being restarted (or has failed for good); the dependent starts anyway, and says so.</summary>
    private void WarnIfDependenciesDown(PluginDescriptor descriptor)
    {
        foreach (var dependency in descriptor.Manifest!.DependsOn)
        {
            var states = Statuses.Where(s => s.Plugin == dependency).ToList();
            var down = states.Count(s => s.State != PluginState.Running);
            if (down > 0)
                _logger.DependencyNotRunning(descriptor.Name, dependency, down, states.Count);
        }
    }

    /// <summary>
    /// Stops every instance within one StopTimeout (StopBudget): in reverse start order, each given its turn (an equal
    /// part of the teardown share) before the next begins, so that a slow teardown holds up its neighbours no longer;
    /// past its turn it carries on beside them. One instance's failure never keeps the others from stopping: all are
    /// stopped, then the failures are reported together. <paramref name="cancellationToken"/> (the host's
    /// ShutdownTimeout) ends every wait at once; what has not ended is abandoned.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var budget = new StopBudget(options.Value.StopTimeout, cancellationToken);   // as at start: the generic host's limit derives from it
        await EndLiveChangesAsync(budget).ConfigureAwait(false);
        List<PluginInstance> reversed;
        lock (_instances)
            reversed = Enumerable.Reverse(_instances).ToList();
        var stops = new List<(PluginInstance Instance, Task Stop)>(reversed.Count);
        foreach (var instance in reversed)
        {
            var stop = StopOne(instance, budget);
            stops.Add((instance, stop));
            var turn = budget.TeardownLeft / Math.Max(1, reversed.Count - stops.Count + 1);
            await Task.WhenAny(stop, Task.Delay(turn, cancellationToken)).ConfigureAwait(false);
        }
        var all = Task.WhenAll(stops.Select(s => s.Stop));
        // Each instance's own waits end by the deadline; this one only guards against a bug keeping one past it.
        await Task.WhenAny(all, Task.Delay(budget.EndLeft + TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
        var failures = stops.Where(s => s.Stop.IsFaulted).Select(s => s.Stop.Exception!.GetBaseException()).ToList();
        var late = stops.Count(s => !s.Stop.IsCompleted);
        var statuses = stops.Select(s => s.Instance.Status).ToList();
        _logger.PluginsStopped(statuses.Count, budget.Elapsed.TotalMilliseconds, statuses.Count(s => s.State == PluginState.Failed),
            statuses.Sum(s => s.Abandoned), late);
        // Every instance is stopped (or given up on): nothing calls into the plugins' assemblies any more.
        if (late == 0)
            UnloadAssemblies();
        if (_workerSandboxes.Spawner is { } spawner)
            await spawner.DisposeAsync().ConfigureAwait(false);   // kills what is left of the workers
        _workerSandboxes.Spawner = null;
        if (failures.Count > 0)
            throw new AggregateException("One or more plugin instances failed to stop.", failures);
    }

    /// <summary>One instance's stop; its exception is logged here and reported with the others' once all have stopped.</summary>
    private async Task StopOne(PluginInstance instance, StopBudget budget)
    {
        try
        {
            await instance.StopAsync(budget).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.InstanceStopFailed(instance.Name, instance.Number, e);
            throw;
        }
    }

    /// <summary>
    /// The worker spawner, when the kernel sandbox is on and a plugin may run in a worker process (isolation
    /// process or auto); null otherwise, or when it cannot start (then the host starts workers itself).
    /// </summary>
    private WorkerSpawner? StartSpawner(IEnumerable<PluginDescriptor> running)
    {
        if (!_workerSandboxes.Enabled
            || !running.Any(d => IsolationModes.Of(d, Options.Plugins.GetValueOrDefault(d.Name), out _) is IsolationMode.Process or IsolationMode.Auto))
            return null;
        try
        {
            return WorkerSpawner.Start(loggers.CreateLogger<WorkerSpawner>());
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _logger.WorkerSpawnerFailed(e.Message);
            return null;
        }
    }

    private void UnloadAssemblies()
    {
        foreach (var (plugin, assemblies) in Enumerable.Reverse(_assemblies).ToList())
            Unload(plugin, assemblies);
    }

    /// <summary>The plugin's dotnet/ assemblies (null when it has none), or why they cannot load.</summary>
    private (PluginAssemblies? Assemblies, string? Error) LoadAssemblies(PluginDescriptor descriptor)
    {
        try
        {
            var assemblies = _functions.LoadPlugin(descriptor.Name, descriptor.Folder);
            if (assemblies is null)
                return (null, null);
            _assemblies.Add((descriptor.Name, assemblies));
            _logger.PluginAssembliesLoaded(descriptor.Name, assemblies.MainAssembly.GetName().Name ?? "?", string.Join(", ", assemblies.Functions.Names));
            return (assemblies, null);
        }
        catch (Exception e)
        {
            var error = $"its {PluginAssemblies.FolderName}/ assemblies could not be loaded: {e.Message}";
            _logger.PluginAssembliesFailed(descriptor.Name, error);
            return (null, error);
        }
    }
}
