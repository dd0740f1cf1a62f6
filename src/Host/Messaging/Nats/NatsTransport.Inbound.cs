using NATS.Client.Core;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging.Nats;

// From other hosts: the subscriptions that follow this host's interest, and what arrives on them.
internal sealed partial class NatsTransport
{
    /// <summary>Brings the NATS subscriptions in line with the latest local interest, one change at a time.</summary>
    private async Task ReconcileAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            await foreach (var change in _interestChanges.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                var interest = new NatsInterest(change, _subjects, _durable.Length == 0 ? null : p => _options.Durable.Any(d => NatsDurable.Covers(d, p)));
                // New subscriptions first, so a plugin that moved from one pattern to another misses nothing here.
                _interest = interest;
                var wanted = interest.Wanted.ToHashSet();
                foreach (var key in wanted.Where(k => !_subscriptions.ContainsKey(k)))
                {
                    try
                    {
                        var sub = new NatsInboundSub(_connection, key.Subject, key.Queue, inbound => ReceiveAsync(key, inbound));
                        await _connection.AddSubAsync(sub, stopping).ConfigureAwait(false);
                        _subscriptions[key] = sub;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _logger.NatsSubscribeFailed(key.Subject, key.Owner, e.Message);
                    }
                }
                foreach (var key in _subscriptions.Keys.Where(k => !wanted.Contains(k)).ToArray())
                {
                    var sub = _subscriptions[key];
                    _subscriptions.Remove(key);
                    await sub.DisposeAsync().ConfigureAwait(false);
                }
                await ReconcileConsumersAsync(change, stopping).ConfigureAwait(false);
                // A round trip: the server has every SUB above when the line below is written.
                await _connection.PingAsync(stopping).ConfigureAwait(false);
                _logger.NatsSubscriptions(_subscriptions.Count + _consumers.Count, string.Join(", ", _subscriptions.Keys
                    .Select(k => k.Queue is null ? k.Subject : $"{k.Subject} [{k.Queue}]").Concat(ConsumerDescriptions()).Order(StringComparer.Ordinal)));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One message on <paramref name="key"/>'s subscription, on NATS.Net's reader (<see cref="NatsInboundSub"/>); never throws.</summary>
    private ValueTask ReceiveAsync(NatsSubscriptionKey key, NatsInbound msg)
    {
        var stopping = _stopping.Token;
        Message? message = null;
        try
        {
            // A plugin gets a durable topic's messages from its durable consumer only (the stream sees the same publish).
            if (key.Queue is not null && key.Pattern is not null && _durable.Length > 0 && IsDurableTopic(_subjects.TopicOf(msg.Subject) ?? "")) return default;
            Interlocked.Increment(ref _received);
            _receivedCounter.Add(1);
            if (msg.ReplyTo is not null)
            {
                // Answered beside the reader, so one slow handler does not hold up the subscription.
                _ = AnswerAsync(key, msg, stopping);
                return default;
            }
            if (key.Pattern is not null && Skips(key, msg)) return default;
            message = NatsWire.Decode(key.Pattern is null ? null : _subjects.TopicOf(msg.Subject), msg.Headers, msg.Payload);
            var delivering = _inbound!.DeliverLocalAsync(message, key.Owner, stopping);
            if (!delivering.IsCompletedSuccessfully) return DeliveredAsync(delivering, message, msg.Subject, key.Owner, stopping);
            delivering.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // The broker counted and logged the drop for the receiver; this line names where it came from. (An
            // exception must not reach NATS.Net's reader: it would end the subscription or the connection.)
            _logger.NatsInboundFailed(message?.Id ?? msg.Headers.Get(NatsWire.Id) ?? "?", msg.Subject, key.Owner, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
        return default;
    }

    private async ValueTask DeliveredAsync(ValueTask delivering, Message message, string subject, string owner, CancellationToken stopping)
    {
        try
        {
            await delivering.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.NatsInboundFailed(message.Id, subject, owner, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// A copy this host does not deliver. For a plugin (queue group): its publishing host served it already. The
    /// server picks one member per queue name among all matching subscriptions, so overlapping patterns of one plugin
    /// yield one copy. A .NET subscriber (no queue) gets a copy per matching subscription: only its first delivers.
    /// </summary>
    private bool Skips(NatsSubscriptionKey key, NatsInbound msg)
    {
        var skip = key.Queue is not null
            ? msg.Headers.Get(NatsWire.Served) is { } served && Contains(served, key.Owner)
            : !_interest.Delivers(key.Owner, key.Pattern!, _subjects.TopicOf(msg.Subject) ?? "");
        if (skip) Interlocked.Increment(ref _skipped);
        return skip;
    }

    private static bool Contains(string commaSeparated, string owner)
    {
        foreach (var range in commaSeparated.AsSpan().Split(','))
        {
            if (commaSeparated.AsSpan()[range].SequenceEqual(owner)) return true;
        }
        return false;
    }

    private async Task AnswerAsync(NatsSubscriptionKey key, NatsInbound msg, CancellationToken stopping)
    {
        var request = NatsWire.Decode(key.Pattern is null ? null : _subjects.TopicOf(msg.Subject), msg.Headers, msg.Payload);
        NatsHeaders headers;
        ReadOnlyMemory<byte> payload = default;
        try
        {
            var reply = await _inbound!.RequestLocalAsync(request, key.Owner, TimeoutOf(msg.Headers.Get(NatsWire.Timeout), _broker.RequestTimeout), stopping).ConfigureAwait(false);
            headers = NatsWire.Encode(reply);
            payload = reply.Payload;
            Interlocked.Increment(ref _answered);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            headers = new NatsHeaders
            {
                [NatsWire.Error] = e.Message.ReplaceLineEndings(" "),
                [NatsWire.ErrorKind] = e switch { TimeoutException => "timeout", ArgumentException => "invalid", _ => "delivery" },
            };
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await _connection.PublishAsync(msg.ReplyTo!, payload, headers, cancellationToken: stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.NatsInboundFailed(request.Id, msg.Subject, key.Owner, $"the reply was not sent: {e.Message}");
        }
    }
}
