using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

internal sealed partial class MessageBroker
{
    /// <summary>
    /// Sends <paramref name="request"/> to one receiver: the <see cref="Message.To"/> address (one instance of the
    /// plugin, round-robin, or the named instance), else one member of the first subscribing owner in name order.
    /// Waits for inbox room per the full-inbox policy, within <paramref name="timeout"/>. The reply's CorrelationId is
    /// the request's id. Throws <see cref="MessageDeliveryException"/> at once when nobody receives it, when the
    /// receiver's handler failed on every try, or when its inbox stayed full; <see cref="TimeoutException"/> naming
    /// the receiver and the timeout when no reply comes in time.
    /// </summary>
    public Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A request's timeout must be positive (or infinite).");
        return RequestCoreAsync(request, timeout, forward: true, cancellationToken);
    }

    ValueTask ITransportInbound.DeliverLocalAsync(Message message, CancellationToken cancellationToken) =>
        PublishCoreAsync(message, forward: false, cancellationToken);

    Task<Message> ITransportInbound.RequestLocalAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken) =>
        RequestCoreAsync(request, timeout, forward: false, cancellationToken);

    private async Task<Message> RequestCoreAsync(Message request, TimeSpan timeout, bool forward, CancellationToken cancellationToken)
    {
        if (!Prepare(ref request, out var groups, out var failure))
        {
            throw failure.Status == PublishStatus.Invalid
                ? new ArgumentException(failure.Error, nameof(request))
                : new MessageDeliveryException(failure.Error!);
        }

        if (groups.Length == 0)
        {
            if (forward && _transport.HasRemoteReceivers(request))
                return await _transport.RequestAsync(request, timeout, cancellationToken).ConfigureAwait(false);
            Unrouted(request);
            throw new MessageDeliveryException(NoReceiverText(request));
        }

        var reply = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivery = new Delivery(request, reply);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (!TryDeliver(groups[0], delivery))
            {
                if (Options.FullInboxMode == FullInboxMode.Fail) throw new MessageDeliveryException(Refuse(delivery, FullNow()));

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                wait.CancelAfter(Options.PublishTimeout);
                if (await DeliverWaitingAsync(groups[0], delivery, wait.Token, deadline.Token).ConfigureAwait(false) is { } refused)
                    throw new MessageDeliveryException(refused);
            }

            return await reply.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var target = request.To is null ? $"'{delivery.Receiver!.Name}'" : $"'{request.To}' ({delivery.Receiver!.Name})";
            throw new TimeoutException($"Request {request.Id} on '{request.Topic}' to {target} got no reply within {timeout}.");
        }
        finally
        {
            // A reply after this point is late: Completed sees the task done and logs it.
            reply.TrySetCanceled(CancellationToken.None);
        }
    }
}
