using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// The part of a publish that found full inboxes. <see cref="MessageBroker.TryPublish"/> delivers what it can without
/// waiting and leaves the rest here, so a caller that must not wait where it stands (a plugin holding its GIL) can step
/// out and wait in <see cref="MessageBroker.PublishPendingAsync"/>: only these receivers get the message then, never
/// the ones that already have it. Finish it exactly once, and before the same publisher's next publish to keep
/// per-publisher order.
/// </summary>
internal sealed class PendingPublish
{
    private int _claimed;

    internal PendingPublish(Message message) => Message = message;

    public Message Message { get; }

    /// <summary>Receivers (<c>owner/instance</c>) still to get the message, plus <c>remote</c> when the transport sends it on.</summary>
    public IEnumerable<string> Receivers =>
        Deliveries.Select(d => d.Delivery.Receiver!.Name).Concat(Remote ? ["remote"] : []);

    /// <summary>How many deliveries are still to be made.</summary>
    public int Waiting => Deliveries.Count + (Remote ? 1 : 0);

    internal List<(ConsumerGroup Group, Delivery Delivery)> Deliveries { get; } = [];

    /// <summary>The transport still has to send it to remote peers.</summary>
    internal bool Remote { get; set; }

    /// <summary>The transport's send, when TryPublish started it and it did not finish at once.</summary>
    internal Task? Sending { get; set; }

    /// <summary>Refusals already made by TryPublish, reported when the rest is done.</summary>
    internal List<string>? Errors { get; set; }

    internal bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;
}
