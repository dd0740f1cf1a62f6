using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// What carries messages beyond this process. The broker always routes locally itself; the transport is asked only
/// whether remote peers want a message, hands it to them, and brings theirs in through <see cref="ITransportInbound"/>,
/// which routes locally only (so nothing echoes back out). <see cref="InProcessTransport"/> (no peers) is the default.
/// </summary>
/// <remarks>
/// A transport that delivers per owner (NatsTransport: one queue group per plugin, so instances compete across
/// machines) hands inbound messages to <see cref="ITransportInbound"/> with the owner they are for; it must drop its
/// own messages when they come back to it, since the broker routed them locally already.
/// </remarks>
internal interface IMessageTransport
{
    /// <summary>For logs and <c>pluginhost list</c>: <c>in-process</c>, <c>nats://...</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Whether <see cref="LocalInterestChanged"/> is wanted. Working out the interest is O(endpoints) at every
    /// registration, so O(n²) over a start of n instances: a transport without peers skips it.
    /// </summary>
    bool TracksLocalInterest { get; }

    /// <summary>Called once by the broker before any message flows: where inbound messages go.</summary>
    void Attach(ITransportInbound inbound);

    /// <summary>
    /// What local endpoints want, after every change: each owner's distinct patterns and the addresses local endpoints
    /// answer to. Called under the broker's registration lock: record it and return; do network work elsewhere.
    /// </summary>
    void LocalInterestChanged(LocalInterest interest);

    /// <summary>Whether a remote peer should get <paramref name="message"/>. On the publish hot path: no I/O, no lock.</summary>
    bool HasRemoteReceivers(Message message);

    /// <summary>
    /// Whether the transport delivers this published message to plugins itself, from a store that redelivers until a
    /// handler completed (NATS durable topics): the broker then hands it to local .NET subscribers only, and to the
    /// transport always. On the publish hot path: no I/O, no lock.
    /// </summary>
    bool IsDurable(Message message);

    /// <summary>Sends a published message to remote peers; completes when handed over (with the transport's own flow control).</summary>
    ValueTask SendAsync(Message message, CancellationToken cancellationToken);

    /// <summary>A request no local endpoint receives but a remote peer does; returns its reply.</summary>
    Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The broker's side of a transport: messages from remote peers, routed to local endpoints only.</summary>
internal interface ITransportInbound
{
    /// <summary>
    /// Routes to local receivers, waiting for room per the full-inbox policy; to <paramref name="owner"/>'s only when
    /// given (a transport that delivers per owner, e.g. one NATS queue group per plugin).
    /// </summary>
    ValueTask DeliverLocalAsync(Message message, string? owner, CancellationToken cancellationToken);

    /// <summary>
    /// A message from the transport's store for one local instance of <paramref name="owner"/>; completes with its
    /// outcome once a handler ran (or none could). <paramref name="failures"/>: the handler failures it already had.
    /// Not retried here: the outcome says whether the store should redeliver it, or stop (dead-lettered).
    /// </summary>
    Task<DurableOutcome> HandleLocalAsync(Message message, string owner, int failures, CancellationToken cancellationToken);

    /// <summary>Sends a remote peer's request to one local receiver (of <paramref name="owner"/> when given) and returns the reply to send back.</summary>
    Task<Message> RequestLocalAsync(Message request, string? owner, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>What local endpoints receive: (owner, pattern) pairs, each once, and the addresses of addressable endpoints.</summary>
internal sealed record LocalInterest(IReadOnlyList<(string Owner, string Pattern)> Subscriptions, IReadOnlyList<string> Addresses)
{
    public static LocalInterest None { get; } = new([], []);
}
