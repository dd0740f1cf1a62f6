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

internal static partial class MessageTotalsLog
{
    [LoggerMessage(1320, LogLevel.Information, "Message totals for {Owner}: received {Received}, handled {Handled}, failed {Failed}, retried {Retried}, dead-lettered {DeadLettered}, dropped {Dropped}, waiting {Waiting}, undecodable {Undecodable}")]
    public static partial void OwnerTotals(this ILogger logger, string owner, long received, long handled, long failed, long retried, long deadLettered, long dropped, int waiting, long undecodable);

    [LoggerMessage(1321, LogLevel.Information, "Message totals at stop: received {Received}, handled {Handled}, dead-lettered {DeadLettered}, dropped {Dropped}, unrouted {Unrouted}, rejected {Rejected}")]
    public static partial void BrokerTotals(this ILogger logger, long received, long handled, long deadLettered, long dropped, long unrouted, long rejected);
}
