using Microsoft.Extensions.Diagnostics.HealthChecks;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Health;

/// <summary>The host as a whole: the runtime is up and plugin discovery has run; reports how many instances run.</summary>
internal sealed class HostHealthCheck(PluginSupervisor supervisor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = supervisor.Statuses;
        var running = statuses.Count(s => s.State == PluginState.Running);
        var data = new Dictionary<string, object> { ["running"] = running, ["instances"] = statuses.Count };
        return Task.FromResult(statuses.Count == 0 || running > 0
            ? HealthCheckResult.Healthy($"{running} of {statuses.Count} plugin instances running", data)
            : HealthCheckResult.Unhealthy("no plugin instance is running", data: data));
    }
}
