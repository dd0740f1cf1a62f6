using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// One message on its way to one endpoint, with its retry count and, for a request, where the reply goes. Each
/// receiver of a message gets its own delivery; the consumer hands it back to <see cref="MessageBroker.Completed"/>,
/// <see cref="MessageBroker.Failed"/> or <see cref="MessageBroker.Dropped"/> exactly once per time it was handed over.
/// </summary>
internal sealed class Delivery : InboundMessage
{
    private readonly PayloadLease? _lease;   // on a lent (large) payload: until this delivery's outcome (Finish)
    private int _outcomeClaimed;

    public Delivery(Message message, PendingReply? reply = null)
        : base(message, reply is not null)
    {
        Reply = reply;
        _lease = PayloadLease.Take(message);
    }

    /// <summary>Completed with the reply (or failed) for a request; null for a publish.</summary>
    public PendingReply? Reply { get; }

    /// <summary>
    /// Set for a message from a transport's store (a durable topic): its outcome goes there, and a failed handler is
    /// not retried here; the store redelivers it, maybe to another host.
    /// </summary>
    internal TaskCompletionSource<DurableOutcome>? Durable { get; init; }

    /// <summary>How many times a handler has failed on this delivery.</summary>
    public int Failures { get; set; }

    /// <summary>The endpoint this delivery was handed to.</summary>
    public IMessageEndpoint? Endpoint => Receiver?.Endpoint;

    /// <summary>The span of its handler run now, when traced (<see cref="Telemetry.MessageTracing"/>).</summary>
    internal System.Diagnostics.Activity? Trace { get; set; }

    /// <summary>Set by the broker before the endpoint sees the delivery; retries go back to the same receiver.</summary>
    internal Receiver? Receiver { get; set; }

    /// <summary>Handed to a handler (again): its outcome for this run is to be given once (<see cref="ClaimOutcome"/>).</summary>
    internal void StartHandling() => Volatile.Write(ref _outcomeClaimed, 0);

    /// <summary>
    /// True once per handler run: for the handler's own end, or for whoever gives up on a handler that never returns
    /// (its interpreter abandoned) — so the message is counted once, never twice and never not at all.
    /// </summary>
    internal bool ClaimOutcome() => Interlocked.Exchange(ref _outcomeClaimed, 1) == 0;

    /// <summary>The delivery has its final outcome (handled, given up, dropped): its lease on a lent payload ends. Once.</summary>
    internal void Finish() => _lease?.Dispose();

    /// <summary>
    /// The payload goes on to a holder the broker cannot see end (a .NET subscriber, a dead letter): from now on it
    /// stays readable for as long as anything refers to it (see <see cref="PayloadLease.LetGo"/>). Ends this
    /// delivery's lease.
    /// </summary>
    internal void LetGoOfPayload() => _lease?.LetGo();

    /// <summary>As <see cref="LetGoOfPayload"/>, for a message no delivery holds yet (one a transport takes).</summary>
    internal static void LetGoOfPayload(Message message) => PayloadLease.Take(message)?.LetGo();
}
