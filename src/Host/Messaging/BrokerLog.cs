using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Messaging;

/// <summary>Every log line the broker writes, with stable event ids (1300-1349).</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(1300, LogLevel.Warning, "Message {Id} on '{Topic}' was dropped for {Receiver}: {Reason}")]
    public static partial void MessageDropped(this ILogger logger, string id, string topic, string receiver, string reason);

    [LoggerMessage(1301, LogLevel.Warning, "Message {Id} on '{Topic}' failed in {Receiver} {Failures} time(s) and goes to '{DeadLetterTopic}': {Error}")]
    public static partial void DeadLettered(this ILogger logger, string id, string topic, string receiver, int failures, string deadLetterTopic, string error);

    [LoggerMessage(1302, LogLevel.Warning, "Dead letter of message {Id} on '{Topic}' has no subscriber on '{DeadLetterTopic}'; it is counted, not kept")]
    public static partial void DeadLetterUnrouted(this ILogger logger, string id, string topic, string deadLetterTopic);

    [LoggerMessage(1303, LogLevel.Warning, "Dead letter {Id} failed in {Receiver} {Failures} time(s) and is dropped (dead letters are not dead-lettered again): {Error}")]
    public static partial void DeadLetterFailed(this ILogger logger, string id, string receiver, int failures, string error);

    [LoggerMessage(1304, LogLevel.Warning, "Request {Id} on '{Topic}' failed in {Receiver} {Failures} time(s): {Error}")]
    public static partial void RequestFailed(this ILogger logger, string id, string topic, string receiver, int failures, string error);

    [LoggerMessage(1305, LogLevel.Debug, "Message {Id} on '{Topic}' failed in {Receiver} (failure {Failures}); retrying: {Error}")]
    public static partial void Retrying(this ILogger logger, string id, string topic, string receiver, int failures, string error);

    [LoggerMessage(1306, LogLevel.Debug, "Message {Id} on '{Topic}' from '{Sender}' has no receiver")]
    public static partial void Unrouted(this ILogger logger, string id, string topic, string sender);

    [LoggerMessage(1307, LogLevel.Information, "{Count} message(s) had no receiver since the last report (latest: '{Topic}' from '{Sender}'); see metric pluginhost.messages.unrouted")]
    public static partial void UnroutedSummary(this ILogger logger, long count, string topic, string sender);

    [LoggerMessage(1308, LogLevel.Debug, "Reply to request {Id} from {Receiver} came after the requester stopped waiting")]
    public static partial void LateReply(this ILogger logger, string id, string receiver);

    [LoggerMessage(1309, LogLevel.Debug, "Message on '{Topic}' from '{Sender}' was refused: {Reason}")]
    public static partial void Rejected(this ILogger logger, string topic, string sender, string reason);

    [LoggerMessage(1311, LogLevel.Warning, "Message {Id} on '{Topic}' from '{Sender}' does not decode in {Receiver}; it goes to '{DeadLetterTopic}' at once (the sender's fault: not retried, not a failure of the receiver): {Error}")]
    public static partial void Undecodable(this ILogger logger, string id, string topic, string sender, string receiver, string deadLetterTopic, string error);

    [LoggerMessage(1312, LogLevel.Warning, "Request {Id} on '{Topic}' from '{Sender}' does not decode in {Receiver}; it fails at once (the sender's fault: not retried, not a failure of the receiver): {Error}")]
    public static partial void UndecodableRequest(this ILogger logger, string id, string topic, string sender, string receiver, string error);

    [LoggerMessage(1310, LogLevel.Error, ".NET subscriber {Receiver} could not report the outcome of message {Id}")]
    public static partial void OutcomeFailed(this ILogger logger, string receiver, string id, Exception exception);
}
