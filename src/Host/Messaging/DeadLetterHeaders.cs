using System.Collections.Frozen;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Headers the broker adds to a dead letter, next to the failed message's own headers. They are the broker's alone:
/// a publisher's message carrying one of these names (in any case) is refused, so a dead letter's headers can be
/// trusted — and only the broker publishes to the dead-letter topic.
/// </summary>
internal static class DeadLetterHeaders
{
    /// <summary>The last handler error, or why the payload did not decode.</summary>
    public const string Error = "error";

    public const string OriginalTopic = "original-topic";

    public const string OriginalId = "original-id";

    public const string OriginalSender = "original-sender";

    /// <summary><c>owner/instance</c> whose handler failed (or that could not decode the payload).</summary>
    public const string FailedBy = "failed-by";

    /// <summary>How many times the handler failed, as a decimal number (0 for a payload that did not decode).</summary>
    public const string Failures = "failures";

    /// <summary>Why the message was given up: one of <see cref="DeadLetterReason"/>'s texts.</summary>
    public const string Reason = "dead-letter-reason";

    /// <summary>The sender of every dead letter.</summary>
    public const string Sender = "pluginhost";

    /// <summary>The header names no publisher may set.</summary>
    public static FrozenSet<string> Reserved { get; } =
        new[] { Error, OriginalTopic, OriginalId, OriginalSender, FailedBy, Failures, Reason }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Why the broker gave a message up (header <see cref="DeadLetterHeaders.Reason"/>, metric tag <c>reason</c>).</summary>
internal enum DeadLetterReason
{
    /// <summary>Its handler raised on every try.</summary>
    Failed,

    /// <summary>It waited for an instance that failed for good.</summary>
    Abandoned,

    /// <summary>Its payload did not decode in the receiver: the sender's fault; not retried.</summary>
    Undecodable,
}

internal static class DeadLetterReasons
{
    public static string Text(this DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.Failed => "failed",
        DeadLetterReason.Abandoned => "abandoned",
        _ => "undecodable",
    };
}
