using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Starts every loadable plugin's instances one after another (name order), each in its own interpreter, and stops
/// them in reverse start order. A plugin that cannot load or start is logged and marked; the others carry on.
/// </summary>
internal sealed class PluginSupervisor(
    IRuntimeAccess python,
    PluginCatalog catalog,
    IOptions<PluginHostOptions> options,
    MessageBroker broker,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<PluginSupervisor>();
    private readonly List<PluginInstance> _instances = [];
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
            for (var number = 0; number < descriptor.Instances; number++)
            {
                var instance = new PluginInstance(descriptor, number, loggers, broker, options.Value);
                lock (_instances)
                    _instances.Add(instance);
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
        // Every message accounted for, in the log: what each receiver got and what became of it.
        var totals = broker.Snapshot();
        foreach (var owner in totals.Owners)
            _logger.MessageTotals(owner.Owner, owner.Received, owner.Handled, owner.Failed, owner.DeadLettered, owner.Dropped, owner.InboxDepth);
        _logger.MessageTotalsUnrouted(totals.Unrouted, totals.Rejected);
    }
}
