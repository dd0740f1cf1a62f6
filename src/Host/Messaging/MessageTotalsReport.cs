using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// At host stop, after every plugin has stopped (it is registered before them, so it stops after them), logs the
/// broker's totals for each owner and overall: the record that every message was handled, dead-lettered or dropped.
/// </summary>
internal sealed class MessageTotalsReport(MessageBroker broker, ILogger<MessageTotalsReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var totals = broker.Snapshot();
        foreach (var o in totals.Owners.OrderBy(o => o.Owner, StringComparer.Ordinal))
            logger.OwnerTotals(o.Owner, o.Received, o.Handled, o.Failed, o.Retried, o.DeadLettered, o.Dropped, o.InboxDepth, o.Undecodable);
        logger.BrokerTotals(
            totals.Owners.Sum(o => o.Received), totals.Owners.Sum(o => o.Handled), totals.Owners.Sum(o => o.DeadLettered),
            totals.Owners.Sum(o => o.Dropped), totals.Unrouted, totals.Rejected);
        if (broker.Undelivered is { NotWritten: > 0 } file)
            logger.UndeliveredNotWritten(file.NotWritten, file.Path, file.FirstError ?? "");
        return Task.CompletedTask;
    }
}
