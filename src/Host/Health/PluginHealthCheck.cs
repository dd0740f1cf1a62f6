using Microsoft.Extensions.Diagnostics.HealthChecks;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Health;

/// <summary>
/// One plugin's health: Healthy when every instance runs, Degraded when some do, Unhealthy when none do. The data
/// carries each instance's state and error for whoever reads the report.
/// </summary>
/// <param name="loadError">Why discovery found the plugin invalid (it then has no instances), or null.</param>
internal sealed class PluginHealthCheck(string plugin, PluginSupervisor supervisor, string? loadError = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var instances = supervisor.Statuses.Where(s => s.Plugin == plugin).ToList();
        var data = instances.ToDictionary(s => $"instance {s.Instance}", s => (object)Describe(s));
        var running = instances.Count(s => s.State == PluginState.Running);
        var result = instances.Count == 0 ? HealthCheckResult.Unhealthy(loadError is null ? $"{plugin} has no instances" : $"{plugin} was not loaded: {loadError}", data: data)
            : running == instances.Count ? HealthCheckResult.Healthy($"{running} of {instances.Count} instances running", data)
            : running > 0 ? HealthCheckResult.Degraded($"{running} of {instances.Count} instances running", data: data)
            : HealthCheckResult.Unhealthy($"no instance of {plugin} is running", data: data);
        return Task.FromResult(result);
    }

    private static string Describe(PluginStatus s) => s.State switch
    {
        PluginState.Restarting => $"Restarting (attempt {s.RestartAttempt}, next start {s.NextStart:u}): {s.Error}",
        _ when s.Error is not null => $"{s.State}: {s.Error}",
        _ => s.Restarts > 0 ? $"{s.State} ({s.Restarts} restart(s))" : s.State.ToString(),
    };
}
