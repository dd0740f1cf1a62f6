namespace PluginHost.Host.Messaging;

/// <summary>Headers the broker adds to a dead letter, next to the failed message's own headers.</summary>
internal static class DeadLetterHeaders
{
    /// <summary>The last handler error.</summary>
    public const string Error = "error";

    public const string OriginalTopic = "original-topic";

    public const string OriginalId = "original-id";

    public const string OriginalSender = "original-sender";

    /// <summary><c>owner/instance</c> whose handler failed.</summary>
    public const string FailedBy = "failed-by";

    /// <summary>How many times the handler failed, as a decimal number.</summary>
    public const string Failures = "failures";

    /// <summary>The sender of every dead letter.</summary>
    public const string Sender = "pluginhost";
}
