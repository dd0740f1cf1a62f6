using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

internal sealed partial class MessageBroker
{
    /// <summary>
    /// A consumer's handler returned. For a request, <paramref name="reply"/> completes the requester's task (null
    /// replies with an empty payload), stamped: CorrelationId = the request's id; Id, Timestamp and Sender (the
    /// receiver's owner) when empty or copied from the request; Topic the request's when empty. A reply over
    /// <see cref="Configuration.BrokerOptions.MaxPayloadBytes"/> fails the request instead.
    /// </summary>
    public void Completed(Delivery delivery, Message? reply)
    {
        var receiver = ReceiverOf(delivery);
        delivery.Finish();
        _metrics.Handled(receiver);
        delivery.Durable?.TrySetResult(DurableOutcome.Handled);
        if (delivery.Reply is not { } requester) return;

        var request = delivery.Message;
        var answer = StampReply(request, reply, receiver);
        var done = answer.Payload.Length > Options.MaxPayloadBytes
            ? requester.TrySetException(new MessageDeliveryException(
                $"The reply of '{receiver.Name}' to request {request.Id} on '{request.Topic}' has {answer.Payload.Length} bytes, over the limit of {Options.MaxPayloadBytes} (PluginHost:Broker:MaxPayloadBytes)."))
            : requester.TrySetResult(answer);
        if (!done) _logger.LateReply(request.Id, receiver.Name);
    }

    /// <summary>
    /// A consumer's handler raised. The delivery goes back to the same receiver until it has failed more than
    /// <see cref="Configuration.BrokerOptions.MaxRetries"/> times (a retry queues behind what is already in the inbox;
    /// when the inbox is full it waits in the background, so this never blocks). Then a request fails with
    /// <paramref name="error"/>, and a published message goes to the dead-letter topic. Call it from the consumer's
    /// thread, once per failed run.
    /// </summary>
    public void Failed(Delivery delivery, string error)
    {
        var receiver = ReceiverOf(delivery);
        delivery.Failures++;
        _metrics.Failed(receiver);

        var abandoned = delivery.Reply?.IsCompleted ?? false;
        if (delivery.Failures > Options.MaxRetries || abandoned)
        {
            GiveUp(delivery, error, DeadLetterReason.Failed);
            return;
        }

        _metrics.Retried(receiver);
        _logger.Retrying(delivery.Message.Id, delivery.Message.Topic, receiver.Name, delivery.Failures, error);
        if (delivery.Durable is { } durable)
        {
            // The store redelivers it (after a delay, maybe to another host), with the failures counted there.
            delivery.Finish();
            durable.TrySetResult(new DurableOutcome(DurableOutcomeKind.Retry, error));
            return;
        }
        if (receiver.Endpoint.TryDeliver(delivery))
            _metrics.Received(receiver);
        else
            _ = RetryWhenRoomAsync(delivery, error);
    }

    /// <summary>
    /// The delivery's payload did not decode in the consumer (<paramref name="why"/> names the sender and the error):
    /// the sender's fault. Not retried and not a handler failure; counted as undecodable for the receiver, tagged with
    /// the sender, and logged; a published message is dead-lettered at once (header
    /// <see cref="DeadLetterHeaders.Reason"/> <c>undecodable</c>), a request fails at once.
    /// </summary>
    public void Undecodable(Delivery delivery, string why)
    {
        var receiver = ReceiverOf(delivery);
        var message = delivery.Message;
        _metrics.Undecodable(receiver, message.Sender);
        if (delivery.IsRequest)
            _logger.UndecodableRequest(message.Id, message.Topic, message.Sender, receiver.Name, why);
        else
            _logger.Undecodable(message.Id, message.Topic, message.Sender, receiver.Name, Options.DeadLetterTopic, why);
        GiveUp(delivery, why, DeadLetterReason.Undecodable);
    }

    /// <summary>
    /// A consumer gives up a delivery without handling it, e.g. its inbox closed with messages still in it. Counted as
    /// dropped and logged; a requester gets a <see cref="MessageDeliveryException"/> at once.
    /// </summary>
    public void Dropped(Delivery delivery, string reason)
    {
        var receiver = ReceiverOf(delivery);
        Drop(delivery, reason);
        delivery.Reply?.TrySetException(new MessageDeliveryException(
            $"'{receiver.Name}' did not handle request {delivery.Message.Id} on '{delivery.Message.Topic}': {reason}"));
    }

    /// <summary>
    /// A consumer will never handle this delivery (its instance failed for good): a published message is dead-lettered
    /// with <paramref name="reason"/> (counted as dead-lettered); a request fails with it at once (counted as dropped).
    /// </summary>
    public void Abandoned(Delivery delivery, string reason)
    {
        ReceiverOf(delivery);
        // A durable message goes back to its store instead: another host's instance may be able to handle it.
        if (delivery.Reply is not null || delivery.Durable is not null)
            Dropped(delivery, reason);
        else
            GiveUp(delivery, reason, DeadLetterReason.Abandoned);
    }

    private static Receiver ReceiverOf(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.Receiver ?? throw new ArgumentException("This delivery was not handed out by the broker.", nameof(delivery));
    }

    private async Task RetryWhenRoomAsync(Delivery delivery, string error)
    {
        var receiver = delivery.Receiver!;
        try
        {
            using var wait = new CancellationTokenSource(Options.PublishTimeout);
            await receiver.Endpoint.DeliverAsync(delivery, wait.Token).ConfigureAwait(false);
            _metrics.Received(receiver);
        }
        catch (Exception e)
        {
            var why = e is OperationCanceledException ? $"its inbox stayed full for {Options.PublishTimeout}" : e.Message;
            GiveUp(delivery, $"{error} (the retry was not queued: {why})", DeadLetterReason.Failed);
        }
    }

    /// <summary>
    /// The delivery's final outcome when it was not handled: a request fails, a dead letter is dropped (never
    /// dead-lettered again), any other message goes to the dead-letter topic. Undecodable ones were logged and counted
    /// by the caller.
    /// </summary>
    private void GiveUp(Delivery delivery, string error, DeadLetterReason reason)
    {
        var receiver = delivery.Receiver!;
        var message = delivery.Message;
        var undecodable = reason == DeadLetterReason.Undecodable;
        // A dead letter carries the same payload to receivers of any kind: let go, it stays readable for them.
        delivery.LetGoOfPayload();
        delivery.Finish();
        delivery.Durable?.TrySetResult(new DurableOutcome(DurableOutcomeKind.DeadLettered, error));
        if (delivery.Reply is { } requester)
        {
            if (!undecodable)
                _logger.RequestFailed(message.Id, message.Topic, receiver.Name, delivery.Failures, error);
            requester.TrySetException(new MessageDeliveryException(undecodable
                ? $"'{receiver.Name}' could not read request {message.Id} on '{message.Topic}': {error}"
                : $"'{receiver.Name}' failed to handle request {message.Id} on '{message.Topic}' ({delivery.Failures} time(s)): {error}"));
            return;
        }

        // A dead letter whose handler fails is not dead-lettered again: that could loop.
        if (message.Topic == Options.DeadLetterTopic)
        {
            _undelivered?.Write(message, receiver.Name, undecodable ? $"dead letter did not decode: {error}" : $"dead letter failed {delivery.Failures} time(s): {error}");
            if (!undecodable)
            {
                // (An undecodable one is already counted once, as undecodable.)
                _metrics.Dropped(receiver);
                _logger.DeadLetterFailed(message.Id, receiver.Name, delivery.Failures, error);
            }
            return;
        }

        _metrics.DeadLettered(receiver, reason);
        if (!undecodable)
            _logger.DeadLettered(message.Id, message.Topic, receiver.Name, delivery.Failures, Options.DeadLetterTopic, error);
        var deadLetter = DeadLetter(delivery, receiver, error, reason);
        var result = TryPublishCore(deadLetter, forward: true, PublishOrigin.Broker, owner: null);
        if (result.Status == PublishStatus.NoReceivers)
        {
            _logger.DeadLetterUnrouted(message.Id, message.Topic, Options.DeadLetterTopic);
            _undelivered?.Write(deadLetter, receiver.Name, $"dead letter with no subscriber on '{Options.DeadLetterTopic}': {error}");
        }
        else if (result.Status == PublishStatus.Pending)
            _ = FinishDeadLetterAsync(result.Pending!);
        // Refused: each refusal was counted as dropped and logged by TryPublishCore.
    }

    private async Task FinishDeadLetterAsync(PendingPublish pending)
    {
        try
        {
            await PublishPendingAsync(pending).ConfigureAwait(false);
        }
        catch (MessageDeliveryException)
        {
            // Each receiver that did not get it was counted as dropped and logged.
        }
    }

    private Message DeadLetter(Delivery delivery, Receiver receiver, string error, DeadLetterReason reason)
    {
        var original = delivery.Message;
        var headers = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        headers.AddRange(original.Headers);
        headers[DeadLetterHeaders.Error] = error;
        headers[DeadLetterHeaders.OriginalTopic] = original.Topic;
        headers[DeadLetterHeaders.OriginalId] = original.Id;
        headers[DeadLetterHeaders.OriginalSender] = original.Sender;
        headers[DeadLetterHeaders.FailedBy] = receiver.Name;
        headers[DeadLetterHeaders.Failures] = delivery.Failures.ToString(CultureInfo.InvariantCulture);
        headers[DeadLetterHeaders.Reason] = reason.Text();
        return new Message
        {
            Topic = Options.DeadLetterTopic,
            Payload = original.Payload,
            ContentType = original.ContentType,
            CorrelationId = original.CorrelationId,
            Sender = DeadLetterHeaders.Sender,
            Headers = headers.ToImmutable(),
        };
    }

    private static Message StampReply(Message request, Message? reply, Receiver receiver)
    {
        reply ??= new Message { Topic = request.Topic };
        return reply with
        {
            Topic = string.IsNullOrEmpty(reply.Topic) ? request.Topic : reply.Topic,
            CorrelationId = request.Id,
            Id = string.IsNullOrEmpty(reply.Id) || reply.Id == request.Id ? MessageIds.Next() : reply.Id,
            Timestamp = reply.Timestamp == default || reply.Timestamp == request.Timestamp ? DateTimeOffset.UtcNow : reply.Timestamp,
            Sender = string.IsNullOrEmpty(reply.Sender) || reply.Sender == request.Sender ? receiver.Owner : reply.Sender,
        };
    }
}
