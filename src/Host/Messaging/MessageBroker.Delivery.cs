using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Messaging;

// Putting a delivery into an inbox: without waiting, waiting for room, and refusing with a count and a log line.
internal sealed partial class MessageBroker
{
    /// <summary>Puts the delivery into the first group member with room, starting at the round-robin position.</summary>
    private bool TryDeliver(ConsumerGroup group, Delivery delivery, Receiver? skip = null, bool count = true)
    {
        var members = group.Members;
        var start = group.NextStart();
        for (var k = 0; k < members.Length; k++)
        {
            var receiver = members[(start + k) % members.Length];
            if (receiver == skip) continue;
            delivery.Receiver = receiver;
            EscapeUnlessReleased(delivery);
            if (receiver.Endpoint.TryDeliver(delivery))
            {
                if (count)
                    _metrics.Received(receiver);
                return true;
            }
        }

        // All full: the one to wait on (or to name in the refusal).
        delivery.Receiver = skip ?? members[start];
        return false;
    }

    /// <summary>Waits for room at the chosen receiver; null when delivered, else the refusal (counted and logged).</summary>
    private async ValueTask<string?> DeliverWaitingAsync(ConsumerGroup group, Delivery delivery, CancellationToken wait, CancellationToken caller)
    {
        var receiver = delivery.Receiver!;
        try
        {
            EscapeUnlessReleased(delivery);
            await receiver.Endpoint.DeliverAsync(delivery, wait).ConfigureAwait(false);
            _metrics.Received(receiver);
            return null;
        }
        catch (OperationCanceledException) when (caller.IsCancellationRequested)
        {
            Drop(delivery, "the sender stopped waiting for room in its inbox");
            throw;
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            return Refuse(delivery, receiver.Endpoint.FullReason(delivery) is { } full
                ? $"{full}, and it stayed so for {Options.PublishTimeout} (PluginHost:Broker:PublishTimeout)."
                : $"its inbox of {Options.InboxCapacity} messages stayed full for {Options.PublishTimeout} (PluginHost:Broker:PublishTimeout).");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Closed (instance stopping, subscription ended): another member of the group may still take it.
            if (TryDeliver(group, delivery, skip: receiver)) return null;
            return Refuse(delivery, $"its inbox is closed (the instance stopped or the subscription ended): {e.Message}");
        }
    }

    private string FullNow(Delivery delivery) =>
        $"{delivery.Receiver!.Endpoint.FullReason(delivery) ?? $"its inbox of {Options.InboxCapacity} messages is full"} and PluginHost:Broker:FullInboxMode is Fail.";

    /// <summary>Counts and logs a receiver not getting a delivery, and words it for the sender.</summary>
    private string Refuse(Delivery delivery, string reason)
    {
        Drop(delivery, reason);
        return $"'{delivery.Receiver!.Name}' did not get message {delivery.Message.Id} on '{delivery.Message.Topic}': {reason}";
    }

    private static void EscapeUnlessReleased(Delivery delivery)
    {
        if (!delivery.Receiver!.Endpoint.ReleasesPayloads)
            delivery.LetGoOfPayload();
    }

    private void Drop(Delivery delivery, string reason)
    {
        var receiver = delivery.Receiver!;
        _undelivered?.Write(delivery.Message, receiver.Name, reason);   // before Finish: the payload may be pooled
        delivery.Finish();
        delivery.Durable?.TrySetResult(new DurableOutcome(DurableOutcomeKind.NotDelivered, reason));
        _metrics.Dropped(receiver);
        _logger.MessageDropped(delivery.Message.Id, delivery.Message.Topic, receiver.Name, reason);
    }

    /// <summary>
    /// A delivery an instance took but will never run (a replacement that failed to start, live): to another instance
    /// of the same plugin with room now, counted as received once (it was), else dropped with <paramref name="reason"/>.
    /// </summary>
    public void HandBack(Delivery delivery, string reason)
    {
        var from = delivery.Receiver!;
        if (_table.ByAddress(from.Owner) is { } group && TryDeliver(group, delivery, skip: from, count: false))
            return;
        delivery.Receiver = from;
        Dropped(delivery, reason);
    }
}
