using NATS.Client.Core;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging.Nats;

// To other hosts: published messages and requests.
internal sealed partial class NatsTransport
{
    public async ValueTask SendAsync(Message message, CancellationToken cancellationToken)
    {
        try
        {
            var headers = NatsWire.Encode(message);
            string subject;
            if (message.To is { } to)
            {
                subject = _subjects.Address(to);
            }
            else
            {
                subject = _subjects.Topic(message.Topic);
                if ((_durable.Length == 0 || !IsDurableTopic(message.Topic)) && _interest.ServedHere(message.Topic) is { } served) headers[NatsWire.Served] = served;
            }
            CheckSize(message, headers);
            await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (message.To is null && _durable.Length > 0 && IsDurableTopic(message.Topic))
            {
                await SendDurableAsync(message, subject, headers, cancellationToken).ConfigureAwait(false);
                Sent(message);
                return;
            }
            var publish = _connection.PublishAsync(subject, message.Payload, headers, cancellationToken: cancellationToken);
            // Usually done at once (buffered); when the connection dropped meanwhile, bounded like a full inbox.
            if (!publish.IsCompletedSuccessfully) await HandedOverAsync(publish, cancellationToken).ConfigureAwait(false);
            Sent(message);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(message, e);
            if (e is MessageDeliveryException) throw;
            throw new MessageDeliveryException($"NATS at {Url} did not take message {message.Id} on '{message.Topic}': {e.Message}");
        }
    }

    public async Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        NatsMsg<byte[]> reply;
        var target = request.To ?? request.Topic;
        try
        {
            var headers = NatsWire.Encode(request);
            headers[NatsWire.Timeout] = Milliseconds(timeout).ToString(System.Globalization.CultureInfo.InvariantCulture);
            CheckSize(request, headers);
            await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            var subject = request.To is { } to ? _subjects.Address(to) : _subjects.Topic(request.Topic);
            var wait = new NatsSubOpts { Timeout = timeout == System.Threading.Timeout.InfiniteTimeSpan ? null : timeout };
            Sent(request);
            reply = await _connection.RequestAsync<ReadOnlyMemory<byte>, byte[]>(subject, request.Payload, headers, replyOpts: wait, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsNoRespondersException)
        {
            throw NoResponders(request, target);
        }
        catch (NatsNoReplyException)
        {
            throw new TimeoutException($"No reply to request {request.Id} for '{target}' from another host within {Timeout(timeout)} (over NATS).");
        }
        catch (Exception e) when (e is not (MessageDeliveryException or OperationCanceledException))
        {
            Failed(request, e);
            throw new MessageDeliveryException($"NATS at {Url} did not take request {request.Id} for '{target}': {e.Message}");
        }
        catch (MessageDeliveryException e)
        {
            Failed(request, e);
            throw;
        }

        if (reply.HasNoResponders) throw NoResponders(request, target);
        if (NatsWire.Get(reply.Headers, NatsWire.Error) is { } error)
        {
            throw NatsWire.Get(reply.Headers, NatsWire.ErrorKind) switch
            {
                "timeout" => new TimeoutException(error),
                "invalid" => new ArgumentException(error),
                _ => new MessageDeliveryException(error),
            };
        }
        Interlocked.Increment(ref _received);
        return NatsWire.Decode(topic: null, reply.Headers, reply.Data);
    }

    private async Task HandedOverAsync(ValueTask publish, CancellationToken cancellationToken)
    {
        try
        {
            await publish.AsTask().WaitAsync(_broker.PublishTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MessageDeliveryException($"NATS at {Url} did not take the message within PluginHost:Broker:PublishTimeout ({_broker.PublishTimeout.TotalSeconds:0.###} s); connected: {IsConnected}.");
        }
    }

    private MessageDeliveryException NoResponders(Message request, string target) =>
        new($"no plugin or subscriber receives '{target}' on this host or on any other host on NATS at {Url} (request {request.Id}).");
}
