using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Health;

/// <summary>
/// A worker service has no HTTP endpoint to probe, so health reports are published to the log: a line whenever an
/// entry's status changes (Warning when it is not Healthy), with the entry's description.
/// </summary>
internal sealed class HealthLogPublisher(ILogger<HealthLogPublisher> logger) : IHealthCheckPublisher
{
    private readonly Dictionary<string, HealthStatus> _last = [];

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        lock (_last)
        {
            foreach (var (name, entry) in report.Entries)
            {
                if (_last.TryGetValue(name, out var previous) && previous == entry.Status)
                    continue;
                _last[name] = entry.Status;
                logger.HealthChanged(name, entry.Status, entry.Description ?? "");
            }
        }
        return Task.CompletedTask;
    }
}
