using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// The broker: routing, retries, dead letters, the undelivered file and the totals at stop (event ids 1300-1399, LogEvents).
internal static partial class Log
{
    [LoggerMessage(LogEvents.MessageDropped, LogLevel.Warning, "Message {Id} on '{Topic}' was dropped for {Receiver}: {Reason}")]
    public static partial void MessageDropped(this ILogger logger, string id, string topic, string receiver, string reason);

    [LoggerMessage(LogEvents.DeadLettered, LogLevel.Warning, "Message {Id} on '{Topic}' failed in {Receiver} {Failures} time(s) and goes to '{DeadLetterTopic}': {Error}")]
    public static partial void DeadLettered(this ILogger logger, string id, string topic, string receiver, int failures, string deadLetterTopic, string error);

    [LoggerMessage(LogEvents.DeadLetterUnrouted, LogLevel.Warning, "Dead letter of message {Id} on '{Topic}' has no subscriber on '{DeadLetterTopic}'; it is counted, not kept")]
    public static partial void DeadLetterUnrouted(this ILogger logger, string id, string topic, string deadLetterTopic);

    [LoggerMessage(LogEvents.DeadLetterFailed, LogLevel.Warning, "Dead letter {Id} failed in {Receiver} {Failures} time(s) and is dropped (dead letters are not dead-lettered again): {Error}")]
    public static partial void DeadLetterFailed(this ILogger logger, string id, string receiver, int failures, string error);

    [LoggerMessage(LogEvents.RequestFailed, LogLevel.Warning, "Request {Id} on '{Topic}' failed in {Receiver} {Failures} time(s): {Error}")]
    public static partial void RequestFailed(this ILogger logger, string id, string topic, string receiver, int failures, string error);

    [LoggerMessage(LogEvents.Retrying, LogLevel.Debug, "Message {Id} on '{Topic}' failed in {Receiver} (failure {Failures}); retrying: {Error}")]
    public static partial void Retrying(this ILogger logger, string id, string topic, string receiver, int failures, string error);

    [LoggerMessage(LogEvents.Unrouted, LogLevel.Debug, "Message {Id} on '{Topic}' from '{Sender}' has no receiver")]
    public static partial void Unrouted(this ILogger logger, string id, string topic, string sender);

    [LoggerMessage(LogEvents.UnroutedSummary, LogLevel.Information, "{Count} message(s) had no receiver since the last report (latest: '{Topic}' from '{Sender}'); see metric pluginhost.messages.unrouted")]
    public static partial void UnroutedSummary(this ILogger logger, long count, string topic, string sender);

    [LoggerMessage(LogEvents.LateReply, LogLevel.Debug, "Reply to request {Id} from {Receiver} came after the requester stopped waiting")]
    public static partial void LateReply(this ILogger logger, string id, string receiver);

    [LoggerMessage(LogEvents.Rejected, LogLevel.Debug, "Message on '{Topic}' from '{Sender}' was refused: {Reason}")]
    public static partial void Rejected(this ILogger logger, string topic, string sender, string reason);

    [LoggerMessage(LogEvents.Undecodable, LogLevel.Warning, "Message {Id} on '{Topic}' from '{Sender}' does not decode in {Receiver}; it goes to '{DeadLetterTopic}' at once (the sender's fault: not retried, not a failure of the receiver): {Error}")]
    public static partial void Undecodable(this ILogger logger, string id, string topic, string sender, string receiver, string deadLetterTopic, string error);

    [LoggerMessage(LogEvents.UndecodableRequest, LogLevel.Warning, "Request {Id} on '{Topic}' from '{Sender}' does not decode in {Receiver}; it fails at once (the sender's fault: not retried, not a failure of the receiver): {Error}")]
    public static partial void UndecodableRequest(this ILogger logger, string id, string topic, string sender, string receiver, string error);

    [LoggerMessage(LogEvents.OutcomeFailed, LogLevel.Error, ".NET subscriber {Receiver} could not report the outcome of message {Id}")]
    public static partial void OutcomeFailed(this ILogger logger, string receiver, string id, Exception exception);

    [LoggerMessage(LogEvents.UndeliveredFileUnusable, LogLevel.Error, "PluginHost:Broker:UndeliveredFile {Path} cannot be opened ({Error}); undelivered messages are counted and logged, not written")]
    public static partial void UndeliveredFileUnusable(this ILogger logger, string path, string error);

    [LoggerMessage(LogEvents.UndeliveredWriteFailed, LogLevel.Error, "Writing to PluginHost:Broker:UndeliveredFile {Path} failed ({Error}); records not written are counted and reported at stop, this is logged once")]
    public static partial void UndeliveredWriteFailed(this ILogger logger, string path, string error);

    [LoggerMessage(LogEvents.UndeliveredNotWritten, LogLevel.Warning, "{Count} undelivered message record(s) could not be written to {Path}: {Error}")]
    public static partial void UndeliveredNotWritten(this ILogger logger, long count, string path, string error);

    [LoggerMessage(LogEvents.OwnerTotals, LogLevel.Information, "Message totals for {Owner}: received {Received}, handled {Handled}, failed {Failed}, retried {Retried}, dead-lettered {DeadLettered}, dropped {Dropped}, waiting {Waiting}, undecodable {Undecodable}")]
    public static partial void OwnerTotals(this ILogger logger, string owner, long received, long handled, long failed, long retried, long deadLettered, long dropped, int waiting, long undecodable);

    [LoggerMessage(LogEvents.BrokerTotals, LogLevel.Information, "Message totals at stop: received {Received}, handled {Handled}, dead-lettered {DeadLettered}, dropped {Dropped}, unrouted {Unrouted}, rejected {Rejected}")]
    public static partial void BrokerTotals(this ILogger logger, long received, long handled, long deadLettered, long dropped, long unrouted, long rejected);
}
