using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

internal sealed partial class MessageBroker
{
    /// <summary>
    /// Sends <paramref name="request"/> to one receiver: the <see cref="Message.To"/> address (one instance of the
    /// plugin, round-robin, or the named instance), else one member of the first subscribing owner in name order.
    /// Waits for inbox room per the full-inbox policy, within <paramref name="timeout"/>. The reply's CorrelationId is
    /// the request's id. A request to a plugin the host is still starting waits for it (MessageBroker.Expected.cs).
    /// Throws <see cref="MessageDeliveryException"/> at once when nobody receives it, when the
    /// receiver's handler failed on every try, or when its inbox stayed full; <see cref="TimeoutException"/> naming
    /// the receiver and the timeout when no reply comes in time.
    /// </summary>
    public Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A request's timeout must be positive (or infinite).");
        return RequestCoreAsync(request, timeout, forward: true, owner: null, cancellationToken);
    }

    ValueTask ITransportInbound.DeliverLocalAsync(Message message, string? owner, CancellationToken cancellationToken) =>
        PublishCoreAsync(message, forward: false, owner, cancellationToken);

    Task<Message> ITransportInbound.RequestLocalAsync(Message request, string? owner, TimeSpan timeout, CancellationToken cancellationToken) =>
        RequestCoreAsync(request, timeout, forward: false, owner, cancellationToken);

    private Task<Message> RequestCoreAsync(Message request, TimeSpan timeout, bool forward, string? owner, CancellationToken cancellationToken)
    {
        if (!Prepare(ref request, forward ? PublishOrigin.Publisher : PublishOrigin.Transport, out var groups, out var failure))
        {
            return Task.FromException<Message>(failure.Status == PublishStatus.Invalid
                ? new ArgumentException(failure.Error, nameof(request))
                : new MessageDeliveryException(failure.Error!));
        }
        if (owner is not null) groups = OwnedBy(groups, owner);

        if (groups.Length == 0)
        {
            if (forward && _transport.HasRemoteReceivers(request))
                return _transport.RequestAsync(request, timeout, cancellationToken);
            if (request.To is { } to && _table.ByAddress(to) is null && IsExpected(to))
                return RequestWhenAddressedAsync(request, timeout, forward, cancellationToken);
            Unrouted(request);
            return Task.FromException<Message>(new MessageDeliveryException(NoReceiverText(request)));
        }

        var reply = new PendingReply(request, timeout, cancellationToken);
        var delivery = new Delivery(request, reply);
        reply.Delivery = delivery;
        _deadlines.Watch(reply);
        // The usual case returns the reply's own task: no async state machine between the replier and the waiter.
        if (TryDeliver(groups[0], delivery))
            return reply.Task;
        if (Options.FullInboxMode == FullInboxMode.Fail)
        {
            reply.TrySetException(new MessageDeliveryException(Refuse(delivery, FullNow(delivery))));
            return reply.Task;
        }
        return DeliverWhenRoomAsync(groups[0], delivery, reply, timeout, cancellationToken);
    }

    /// <summary>The inbox was full: waits for room (within the publish timeout and the request's), then for the reply.</summary>
    private async Task<Message> DeliverWhenRoomAsync(ConsumerGroup group, Delivery delivery, PendingReply reply, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var requestFirst = timeout != Timeout.InfiniteTimeSpan && timeout <= Options.PublishTimeout;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(requestFirst ? timeout : Options.PublishTimeout);
        try
        {
            if (await DeliverWaitingAsync(group, delivery, wait.Token, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                // The request's own time ran out while it waited for room: that is its timeout, whichever fired first.
                if (requestFirst && wait.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    reply.Expire();
                else
                    reply.TrySetException(new MessageDeliveryException(refused));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The reply was cancelled by the same token (PendingReply); the delivery was counted as dropped.
        }
        return await reply.Task.ConfigureAwait(false);
    }
}
