namespace PluginHost.Host.Messaging;

/// <summary>The broker's totals at one moment, per owner (plugin or .NET subscriber), for tests and <c>pluginhost list</c>.</summary>
internal sealed record BrokerStatistics(IReadOnlyList<OwnerStatistics> Owners, long Unrouted, long Rejected)
{
    /// <summary>The owner's totals, or all zero when it never received anything.</summary>
    public OwnerStatistics For(string owner) =>
        Owners.FirstOrDefault(o => o.Owner == owner) ?? new OwnerStatistics(owner, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// One owner's totals over all its instances since the process started. <see cref="InboxDepth"/> is the messages
/// waiting now in its registered endpoints. Received = Handled + Failed + Undecodable + Dropped-or-dead-lettered-from-inbox
/// + waiting. <see cref="Undecodable"/> counts deliveries whose payload did not decode there (the sender's fault): each
/// is dead-lettered at once (also in <see cref="DeadLettered"/>) or, for a request, fails it.
/// </summary>
internal sealed record OwnerStatistics(
    string Owner, long Received, long Handled, long Failed, long Retried, long DeadLettered, long Dropped, int InboxDepth, long Undecodable = 0);
