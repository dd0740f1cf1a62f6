using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// The NATS transport: connection, subscriptions, what did not cross and the totals at stop (event ids 1900-1919, LogEvents).
internal static partial class Log
{
    [LoggerMessage(LogEvents.NatsConnected, LogLevel.Information, "Connected to NATS at {Url} (server {Server} {Version}, max_payload {MaxPayload} bytes); this deployment's subjects start with '{Prefix}'")]
    public static partial void NatsConnected(this ILogger logger, string url, string server, string version, long maxPayload, string prefix);

    [LoggerMessage(LogEvents.NatsDisconnected, LogLevel.Warning, "Disconnected from NATS ({Reason}); reconnecting. Until then messages for other hosts wait up to PluginHost:Broker:PublishTimeout (FullInboxMode Wait) or fail at once (Fail), and are counted")]
    public static partial void NatsDisconnected(this ILogger logger, string reason);

    [LoggerMessage(LogEvents.NatsReconnected, LogLevel.Information, "Reconnected to NATS at {Url} after {Seconds:0.0} s")]
    public static partial void NatsReconnected(this ILogger logger, string url, double seconds);

    [LoggerMessage(LogEvents.NatsReconnectFailed, LogLevel.Debug, "Reconnecting to NATS failed: {Reason}")]
    public static partial void NatsReconnectFailed(this ILogger logger, string reason);

    [LoggerMessage(LogEvents.NatsSendFailed, LogLevel.Warning, "{Count} message(s) not sent to other hosts over NATS since the last report; the last, {Id} on '{Topic}': {Error}")]
    public static partial void NatsSendFailed(this ILogger logger, long count, string id, string topic, string error);

    [LoggerMessage(LogEvents.NatsSubscriptions, LogLevel.Information, "NATS subscriptions in place: {Count} ({Subjects})")]
    public static partial void NatsSubscriptions(this ILogger logger, int count, string subjects);

    [LoggerMessage(LogEvents.NatsInboundFailed, LogLevel.Warning, "Message {Id} on '{Subject}' from NATS for {Owner} was not delivered here: {Error}")]
    public static partial void NatsInboundFailed(this ILogger logger, string id, string subject, string owner, string error);

    [LoggerMessage(LogEvents.NatsTotals, LogLevel.Information, "NATS totals at stop: sent {Sent}, not sent {Failed}, received {Received}, skipped {Skipped} (served on their publishing host), requests answered {Answered}, reconnects {Reconnects}")]
    public static partial void NatsTotals(this ILogger logger, long sent, long failed, long received, long skipped, long answered, long reconnects);

    [LoggerMessage(LogEvents.NatsMaxPayloadBelowBroker, LogLevel.Warning, "The NATS server's max_payload is {MaxPayload} bytes, below PluginHost:Broker:MaxPayloadBytes ({BrokerMax}): larger messages reach this host's plugins but fail towards other hosts")]
    public static partial void NatsMaxPayloadBelowBroker(this ILogger logger, long maxPayload, int brokerMax);

    [LoggerMessage(LogEvents.NatsSubscribeFailed, LogLevel.Error, "Subscribing to '{Subject}' on NATS failed; this host's {Owner} gets no messages from other hosts on it: {Error}")]
    public static partial void NatsSubscribeFailed(this ILogger logger, string subject, string owner, string error);

    [LoggerMessage(LogEvents.NatsDurableStream, LogLevel.Information, "Durable topics go through JetStream stream {Stream} ({Subjects}; file storage, duplicate window {WindowSeconds:0.#} s, unacknowledged messages redelivered after {AckWaitSeconds:0.#} s)")]
    public static partial void NatsDurableStream(this ILogger logger, string stream, string subjects, double windowSeconds, double ackWaitSeconds);

    [LoggerMessage(LogEvents.NatsDurableDuplicate, LogLevel.Information, "Durable message {Id} on '{Topic}' was published before within the duplicate window: stream {Stream} kept the first only")]
    public static partial void NatsDurableDuplicate(this ILogger logger, string id, string topic, string stream);

    [LoggerMessage(LogEvents.NatsDurableConsumerFailed, LogLevel.Warning, "Durable consumer {Consumer} stopped pulling ({Error}); starting over in 1 s. Its messages wait in the stream meanwhile")]
    public static partial void NatsDurableConsumerFailed(this ILogger logger, string consumer, string error);

    [LoggerMessage(LogEvents.NatsDurableAckFailed, LogLevel.Warning, "Durable message {Id} for {Owner}: could not {Action}; JetStream redelivers it after PluginHost:Nats:AckWait ({AckWaitSeconds:0.#} s): {Error}")]
    public static partial void NatsDurableAckFailed(this ILogger logger, string id, string owner, string action, double ackWaitSeconds, string error);

    [LoggerMessage(LogEvents.NatsDurableTotals, LogLevel.Information, "NATS durable totals at stop: stored {Stored}, duplicates dropped {Duplicates}, handled and acknowledged {Acked}, failed and redelivered {Retried}, dead-lettered or rejected {Terminated}, handed back undelivered {Returned}; deliveries that were redeliveries {Redelivered}")]
    public static partial void NatsDurableTotals(this ILogger logger, long stored, long duplicates, long acked, long retried, long terminated, long returned, long redelivered);
}
