using Microsoft.Extensions.Diagnostics.HealthChecks;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Health;

/// <summary>
/// The host as a whole: Unhealthy when plugins were started and none runs; Degraded while any instance is Failed (it
/// will not be restarted: someone has to look) or an enabled plugin could not be loaded at all, naming them; else
/// Healthy with how many instances run.
/// </summary>
/// <param name="notLoaded">Enabled plugins that discovery found invalid: they have no instance to be Failed.</param>
internal sealed class HostHealthCheck(PluginSupervisor supervisor, IReadOnlyList<string>? notLoaded = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = supervisor.Statuses;
        var running = statuses.Count(s => s.State == PluginState.Running);
        var failed = statuses.Where(s => s.State == PluginState.Failed).ToList();
        var data = new Dictionary<string, object> { ["running"] = running, ["failed"] = failed.Count, ["instances"] = statuses.Count };
        var summary = $"{running} of {statuses.Count} plugin instances running";
        if (failed.Count > 0)
            summary += $"; failed: {string.Join(", ", failed.Select(f => $"{f.Plugin}/{f.Instance}"))}";
        if (notLoaded is { Count: > 0 })
            summary += $"; not loaded: {string.Join(", ", notLoaded)}";
        var result = statuses.Count > 0 && running == 0 ? HealthCheckResult.Unhealthy($"no plugin instance is running ({summary})", data: data)
            : failed.Count > 0 || notLoaded is { Count: > 0 } ? HealthCheckResult.Degraded(summary, data: data)
            : HealthCheckResult.Healthy(summary, data);
        return Task.FromResult(result);
    }
}
