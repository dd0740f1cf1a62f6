using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Sandbox;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Starts every loadable plugin's instances one after another (name order), each in its own interpreter, and stops
/// them in reverse start order. A plugin's <c>dotnet/</c> assemblies load before its first instance starts and unload
/// after its instances stopped. A plugin that cannot load or start is logged and marked; the others carry on. The
/// kernel backstop, when given, is installed after discovery and before the first instance starts, for the plugins
/// that will run.
/// </summary>
internal sealed class PluginSupervisor(
    IRuntimeAccess python,
    PluginCatalog catalog,
    IOptions<PluginHostOptions> options,
    MessageBroker broker,
    ILoggerFactory loggers,
    HostFunctionRegistry? functions = null,
    ProcessBackstop? backstop = null) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<PluginSupervisor>();
    private readonly HostFunctionRegistry _functions = functions ?? HostFunctionRegistry.Empty(loggers);
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
        backstop?.Install(_descriptors.Where(d => d.Enabled && d.CanLoad));
        foreach (var descriptor in _descriptors)
        {
            if (!descriptor.Enabled)
            {
                _logger.PluginDisabled(descriptor.Name);
                continue;
            }
            if (!descriptor.CanLoad)
            {
                _logger.PluginNotLoadable(descriptor.Name, descriptor.LoadError ?? "unknown error");
                continue;
            }
            var (assemblies, loadError) = LoadAssemblies(descriptor);
            for (var number = 0; number < descriptor.Instances; number++)
            {
                // SIGTERM while starting: start no more; StopAsync stops those that started (or are starting).
                if (cancellationToken.IsCancellationRequested)
                {
                    _logger.StartCancelled(_descriptors.Where(d => d.Enabled && d.CanLoad).Sum(d => d.Instances) - Statuses.Count);
                    return;
                }
                var instance = new PluginInstance(descriptor, number, loggers, broker, options.Value, _functions.Host, assemblies?.Functions);
                lock (_instances)
                    _instances.Add(instance);
                if (loadError is not null)
                    instance.MarkFailed(loadError);
                else
                    await instance.StartAsync(python.Runtime, options.Value.StartTimeout, options.Value.HandlerTimeout, cancellationToken);
            }
        }
        var statuses = Statuses;
        _logger.PluginsStarted(statuses.Count(s => s.State == PluginState.Running), statuses.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<PluginInstance> reversed;
        lock (_instances)
            reversed = Enumerable.Reverse(_instances).ToList();
        foreach (var instance in reversed)
            await instance.StopAsync(options.Value.StopTimeout);
        // Every instance is stopped: nothing calls into the plugins' assemblies any more.
        foreach (var (plugin, assemblies) in Enumerable.Reverse(_assemblies))
        {
            assemblies.Dispose();
            _logger.PluginAssembliesUnloaded(plugin, assemblies.IsUnloadable);
        }
        _assemblies.Clear();
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
