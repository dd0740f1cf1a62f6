namespace PluginHost.Host.Messaging;

/// <summary>
/// One consumer the broker hands deliveries to: a plugin instance's bounded inbox (drained on that instance's
/// interpreter thread) or a .NET subscriber. After handling, the consumer reports back with
/// <see cref="MessageBroker.Completed"/> or <see cref="MessageBroker.Failed"/>; a delivery it gives up unhandled
/// (inbox closed with messages left) goes to <see cref="MessageBroker.Dropped"/>, so it is counted, never silently lost.
/// Size the inbox with <see cref="Configuration.BrokerOptions.InboxCapacity"/>: refusals name that capacity.
/// </summary>
internal interface IMessageEndpoint
{
    /// <summary>Plugin name, or the .NET subscriber's name.</summary>
    string Owner { get; }

    /// <summary>Instance number within <see cref="Owner"/> (0 for .NET subscribers).</summary>
    int Instance { get; }

    /// <summary>Messages waiting in the inbox.</summary>
    int Depth { get; }

    /// <summary>
    /// Why <paramref name="delivery"/> does not fit, when it is not the message count (the broker words that one with
    /// <see cref="Configuration.BrokerOptions.InboxCapacity"/>); null otherwise. A plugin's inbox also bounds its bytes.
    /// </summary>
    string? FullReason(Delivery delivery) => null;

    /// <summary>Non-blocking: false when the inbox is full (or closed).</summary>
    bool TryDeliver(Delivery delivery);

    /// <summary>Waits for room; the caller's token carries the wait limit. Throws when the endpoint has closed.</summary>
    ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// True when the endpoint reads a delivery's payload only until it reports the outcome (or holds it through a
    /// reference of its own, as a Python Message object does), so a pooled payload can go back to its pool. False
    /// (the default) for code whose hold the host cannot see: the payload is then left to the GC.
    /// </summary>
    bool ReleasesPayloads => false;
}
