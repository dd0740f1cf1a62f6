using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// What carries messages beyond this process. The broker always routes locally itself; the transport is asked only
/// whether remote peers want a message, hands it to them, and brings theirs in through <see cref="ITransportInbound"/>,
/// which routes locally only (so nothing echoes back out). <see cref="InProcessTransport"/> (no peers) is the default.
/// </summary>
/// <remarks>
/// A NATS transport would map topics to subjects one to one (same tokens, same <c>*</c> and <c>&gt;</c>); subscribe on
/// NATS to the patterns in <see cref="LocalInterestChanged"/> with a queue group per owner, so competing consumers
/// compete across machines too; answer <see cref="HasRemoteReceivers"/> from the interest it has seen (or always
/// true); carry headers, id, content type and sender as NATS headers; implement <see cref="RequestAsync"/> with a
/// reply inbox subject (<c>_INBOX.&lt;id&gt;</c>) and hand inbound requests to <see cref="ITransportInbound.RequestLocalAsync"/>,
/// publishing the reply to the request's reply subject. It must drop its own messages when they come back to it.
/// </remarks>
internal interface IMessageTransport
{
    /// <summary>For logs and <c>pluginhost list</c>: <c>in-process</c>, <c>nats://...</c>.</summary>
    string Name { get; }

    /// <summary>Called once by the broker before any message flows: where inbound messages go.</summary>
    void Attach(ITransportInbound inbound);

    /// <summary>
    /// The distinct patterns local endpoints subscribe to, after every change. Called under the broker's registration
    /// lock: record it and return; do network work elsewhere.
    /// </summary>
    void LocalInterestChanged(IReadOnlyCollection<string> patterns);

    /// <summary>Whether a remote peer should get <paramref name="message"/>. On the publish hot path: no I/O, no lock.</summary>
    bool HasRemoteReceivers(Message message);

    /// <summary>Sends a published message to remote peers; completes when handed over (with the transport's own flow control).</summary>
    ValueTask SendAsync(Message message, CancellationToken cancellationToken);

    /// <summary>A request no local endpoint receives but a remote peer does; returns its reply.</summary>
    Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The broker's side of a transport: messages from remote peers, routed to local endpoints only.</summary>
internal interface ITransportInbound
{
    /// <summary>Routes to local receivers, waiting for room per the full-inbox policy.</summary>
    ValueTask DeliverLocalAsync(Message message, CancellationToken cancellationToken);

    /// <summary>Sends a remote peer's request to one local receiver and returns the reply to send back.</summary>
    Task<Message> RequestLocalAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken);
}
