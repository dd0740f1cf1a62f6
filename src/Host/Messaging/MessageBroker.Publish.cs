using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

internal sealed partial class MessageBroker
{
    private const long UnroutedReportIntervalMs = 10_000;

    private long _unroutedSinceReport;
    private long _nextUnroutedReport;

    /// <summary>
    /// Publishes without ever waiting, for callers that must not (a plugin's native <c>publish</c>, GIL held): checks
    /// the message (topic, address, payload size), stamps <see cref="Message.Id"/> and <see cref="Message.Timestamp"/>
    /// when unset, routes it and puts it into every receiver's inbox that has room. When some inbox is full and
    /// <see cref="BrokerOptions.FullInboxMode"/> is Wait, the result is <see cref="PublishStatus.Pending"/>: release
    /// the GIL and await <see cref="PublishPendingAsync"/> with <see cref="PublishResult.Pending"/>, which waits for
    /// room for those receivers only. With Fail, full inboxes are refused at once (<see cref="PublishStatus.Refused"/>).
    /// </summary>
    public PublishResult TryPublish(Message message) => TryPublishCore(message, forward: true, PublishOrigin.Publisher, owner: null);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for a bad topic or address and <see cref="MessageDeliveryException"/> for
    /// a payload over the limit, a receiver whose inbox stayed full or was closed (others still get it), or a
    /// <see cref="Message.To"/> nobody answers to. A topic without subscribers is not an error (counted as unrouted).
    /// </summary>
    public ValueTask PublishAsync(Message message, CancellationToken cancellationToken = default) =>
        PublishCoreAsync(message, forward: true, owner: null, cancellationToken);

    private ValueTask PublishCoreAsync(Message message, bool forward, string? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = TryPublishCore(message, forward, forward ? PublishOrigin.Publisher : PublishOrigin.Transport, owner);
        return result.Status switch
        {
            PublishStatus.Delivered => ValueTask.CompletedTask,
            PublishStatus.NoReceivers when message.To is null => ValueTask.CompletedTask,
            PublishStatus.Pending => PublishPendingAsync(result.Pending!, cancellationToken),
            PublishStatus.Invalid => ValueTask.FromException(new ArgumentException(result.Error, nameof(message))),
            _ => ValueTask.FromException(new MessageDeliveryException(result.Error!)),
        };
    }

    /// <summary>
    /// Finishes what <see cref="TryPublish"/> left pending: waits for room in each full inbox, all within one
    /// <see cref="BrokerOptions.PublishTimeout"/>, then hands the message to the transport when remote peers want it.
    /// Throws <see cref="MessageDeliveryException"/> naming every receiver that did not get it (counted as dropped and
    /// logged), and <see cref="OperationCanceledException"/> when cancelled (those not yet served are counted as dropped).
    /// </summary>
    public async ValueTask PublishPendingAsync(PendingPublish pending, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (!pending.TryClaim()) throw new InvalidOperationException("This pending publish was already finished; finish each one once.");

        var errors = pending.Errors;
        var cancelled = false;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(Options.PublishTimeout);
            foreach (var (group, delivery) in pending.Deliveries)
            {
                if (cancelled)
                {
                    Drop(delivery, "the publisher was cancelled before there was room");
                    continue;
                }

                try
                {
                    var error = await DeliverWaitingAsync(group, delivery, wait.Token, cancellationToken).ConfigureAwait(false);
                    if (error is not null) (errors ??= []).Add(error);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                }
            }
        }

        if (pending.Remote && !cancelled)
        {
            try
            {
                await (pending.Sending ?? _transport.SendAsync(pending.Message, cancellationToken).AsTask()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (errors ??= []).Add($"transport '{_transport.Name}' did not send message {pending.Message.Id} on '{pending.Message.Topic}': {e.Message}");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (errors is not null) throw new MessageDeliveryException(string.Join(" ", errors));
    }

    private PublishResult TryPublishCore(Message message, bool forward, PublishOrigin origin, string? owner)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Prepare(ref message, origin, out var groups, out var failure)) return failure;
        if (owner is not null) groups = OwnedBy(groups, owner);
        if (forward && message.To is null && groups.Length > 0 && _transport.IsDurable(message)) groups = DotNetSubscribersOf(groups);

        var remote = forward && _transport.HasRemoteReceivers(message);
        if (remote) Delivery.LetGoOfPayload(message);   // a transport's hold on the payload is not tracked
        if (groups.Length == 0 && !remote) return NoReceivers(message);

        var delivered = 0;
        PendingPublish? pending = null;
        List<string>? refusals = null;
        foreach (var group in groups)
        {
            var delivery = new Delivery(message);
            if (TryDeliver(group, delivery))
                delivered++;
            else if (Options.FullInboxMode == FullInboxMode.Wait)
                (pending ??= new PendingPublish(message)).Deliveries.Add((group, delivery));
            else
                (refusals ??= []).Add(Refuse(delivery, FullNow(delivery)));
        }

        if (remote)
        {
            // The transport usually takes the message at once (buffered): then the publish is done without waiting.
            // Its state is read once: a send that completes between two reads was once handed to
            // PublishPendingAsync as not started and sent a second time (one duplicate in ~10^6 over NATS).
            if (pending is not null)
            {
                pending.Remote = true;   // sent once the local receivers have room, by PublishPendingAsync
            }
            else
            {
                var send = _transport.SendAsync(message, CancellationToken.None);
                if (send.IsCompletedSuccessfully)
                    send.GetAwaiter().GetResult();
                else
                    pending = new PendingPublish(message) { Remote = true, Sending = send.AsTask() };
            }
        }
        if (pending is not null)
        {
            pending.Errors = refusals;
            return PublishResult.Waiting(message, delivered, pending);
        }

        return refusals is null
            ? PublishResult.Done(message, delivered)
            : PublishResult.Refused(message, delivered, string.Join(" ", refusals));
    }

    /// <summary>Checks, routes and stamps; false with the result to return when the message cannot go anywhere.</summary>
    private bool Prepare(ref Message message, PublishOrigin origin, out ConsumerGroup[] groups, out PublishResult failure)
    {
        groups = [];
        if (message.Payload.Length > Options.MaxPayloadBytes)
        {
            failure = Reject(message, PublishStatus.Refused,
                $"The payload of {message.Payload.Length} bytes on '{message.Topic}' is over the limit of {Options.MaxPayloadBytes} bytes (PluginHost:Broker:MaxPayloadBytes).");
            return false;
        }

        // Headers and the dead-letter topic are looked at only when there is something to see: not on the common path.
        if (origin != PublishOrigin.Broker && (message.Headers is not { Count: 0 } || message.Topic == Options.DeadLetterTopic)
            && CheckPublisher(message, origin) is { } refusal)
        {
            failure = Reject(message, PublishStatus.Invalid, refusal);
            return false;
        }

        var table = _table;
        string? error = null;
        var byTopic = message.Topic is null ? null : table.ByTopic(message.Topic, out error);
        if (byTopic is null)
        {
            failure = Reject(message, PublishStatus.Invalid, error ?? TopicPattern.CheckTopic(message.Topic)!);
            return false;
        }

        if (message.To is { } to)
        {
            var group = table.ByAddress(to);
            if (group is null && CheckAddress(to) is { } addressError)
            {
                failure = Reject(message, PublishStatus.Invalid, addressError);
                return false;
            }

            groups = group?.AsRoute ?? [];
        }
        else
        {
            groups = byTopic;
        }

        if (string.IsNullOrEmpty(message.Id) || message.Timestamp == default)
        {
            message = message with
            {
                Id = string.IsNullOrEmpty(message.Id) ? MessageIds.Next() : message.Id,
                Timestamp = message.Timestamp == default ? DateTimeOffset.UtcNow : message.Timestamp,
            };
        }

        failure = default;
        return true;
    }

    /// <summary>The one group of <paramref name="owner"/> among <paramref name="groups"/> as a route, or none.</summary>
    private static ConsumerGroup[] OwnedBy(ConsumerGroup[] groups, string owner)
    {
        foreach (var group in groups)
        {
            if (string.Equals(group.Owner, owner, StringComparison.Ordinal)) return group.AsRoute;
        }
        return [];
    }

    private PublishResult Reject(Message message, PublishStatus status, string reason)
    {
        _metrics.Rejected(message.Sender);
        _logger.Rejected(message.Topic ?? "", message.Sender, reason);
        return status == PublishStatus.Invalid ? PublishResult.Invalid(message, reason) : PublishResult.Refused(message, 0, reason);
    }

    private PublishResult NoReceivers(Message message)
    {
        Unrouted(message);
        return PublishResult.NoReceivers(message, NoReceiverText(message));
    }

    private static string NoReceiverText(Message message) =>
        $"no plugin or subscriber receives '{message.To ?? message.Topic}'";

    /// <summary>Counted always, logged at Debug each time and at Information at most every 10 s, so never silent.</summary>
    private void Unrouted(Message message)
    {
        _metrics.Unrouted(message.Sender);
        _logger.Unrouted(message.Id, message.Topic, message.Sender);
        Interlocked.Increment(ref _unroutedSinceReport);

        var now = Environment.TickCount64;
        var due = Volatile.Read(ref _nextUnroutedReport);
        if (now >= due && Interlocked.CompareExchange(ref _nextUnroutedReport, now + UnroutedReportIntervalMs, due) == due)
            _logger.UnroutedSummary(Interlocked.Exchange(ref _unroutedSinceReport, 0), message.Topic, message.Sender);
    }

    /// <summary>Null when <paramref name="address"/> is well formed (<c>owner</c> or <c>owner/instance</c>).</summary>
    private static string? CheckAddress(string address)
    {
        var slash = address.IndexOf('/');
        var owner = slash < 0 ? address : address[..slash];
        var ok = owner.Length > 0 && !owner.Any(char.IsWhiteSpace)
            && (slash < 0 || (address.Length > slash + 1 && address[(slash + 1)..].All(char.IsAsciiDigit)));
        return ok ? null : $"Address '{address}' is not 'plugin' or 'plugin/instance' (instance a number from 0).";
    }
}
