using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>What <see cref="MessageBroker.TryPublish"/> did.</summary>
internal enum PublishStatus
{
    /// <summary>Every receiver has the message (<see cref="PublishResult.Delivered"/> of them).</summary>
    Delivered,

    /// <summary>Nobody receives the topic (or the address in <see cref="Message.To"/>); counted as unrouted.</summary>
    NoReceivers,

    /// <summary>
    /// Some inboxes were full: <see cref="PublishResult.Delivered"/> receivers have it, the rest wait in
    /// <see cref="PublishResult.Pending"/>, which the caller must finish with <see cref="MessageBroker.PublishPendingAsync"/>.
    /// </summary>
    Pending,

    /// <summary>
    /// Refused for some or all receivers (payload too large, inbox full with FullInboxMode Fail, endpoint closed);
    /// <see cref="PublishResult.Error"/> says which and why, each refusal is counted and logged. Others may have it.
    /// </summary>
    Refused,

    /// <summary>The message is malformed (bad topic or address); nothing was delivered.</summary>
    Invalid,
}

/// <summary>
/// The outcome of <see cref="MessageBroker.TryPublish"/>. <see cref="Message"/> is the message as routed, with its
/// id and timestamp stamped. For a plugin: Invalid maps to <c>ValueError</c>, Refused to a delivery error,
/// NoReceivers is not an error for a topic publish.
/// </summary>
internal readonly struct PublishResult
{
    private PublishResult(PublishStatus status, Message message, int delivered, PendingPublish? pending, string? error)
    {
        Status = status;
        Message = message;
        Delivered = delivered;
        Pending = pending;
        Error = error;
    }

    public PublishStatus Status { get; }

    public Message Message { get; }

    /// <summary>Receivers that have the message now.</summary>
    public int Delivered { get; }

    /// <summary>Set for <see cref="PublishStatus.Pending"/> only.</summary>
    public PendingPublish? Pending { get; }

    /// <summary>Set for <see cref="PublishStatus.Refused"/>, <see cref="PublishStatus.Invalid"/> and NoReceivers.</summary>
    public string? Error { get; }

    public static PublishResult Done(Message message, int delivered) => new(PublishStatus.Delivered, message, delivered, null, null);

    public static PublishResult NoReceivers(Message message, string error) => new(PublishStatus.NoReceivers, message, 0, null, error);

    public static PublishResult Waiting(Message message, int delivered, PendingPublish pending) =>
        new(PublishStatus.Pending, message, delivered, pending, null);

    public static PublishResult Refused(Message message, int delivered, string error) => new(PublishStatus.Refused, message, delivered, null, error);

    public static PublishResult Invalid(Message message, string error) => new(PublishStatus.Invalid, message, 0, null, error);

    public override string ToString() => Status switch
    {
        PublishStatus.Delivered => $"Delivered({Delivered})",
        PublishStatus.Pending => $"Pending({Delivered} delivered, waiting for {Pending!.Waiting})",
        _ => $"{Status}: {Error}",
    };
}
