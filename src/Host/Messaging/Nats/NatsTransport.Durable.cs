using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging.Nats;

// Durable topics (PluginHost:Nats:Durable): published into one JetStream stream per subject prefix, acknowledged by
// JetStream before the publish completes; each plugin a durable consumer that all its instances on all hosts share,
// acknowledging a message only once a handler completed. Core NATS stays at most once; this is at least once.
internal sealed partial class NatsTransport
{
    private readonly TopicPattern[] _durable;
    private readonly string _stream;
    private readonly Dictionary<NatsDurableKey, (CancellationTokenSource Stop, Task Loop)> _consumers = [];
    private NatsJSContext? _js;
    private long _stored, _duplicates, _acked, _retried, _terminated, _returned, _redelivered;

    public bool IsDurable(Message message) => message.To is null && IsDurableTopic(message.Topic);

    private bool IsDurableTopic(string topic)
    {
        foreach (var pattern in _durable)
        {
            if (pattern.Matches(topic)) return true;
        }
        return false;
    }

    /// <summary>Checks that the server has JetStream and creates or updates the stream: a clear error at start otherwise.</summary>
    private async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        _js = new NatsJSContext(_connection);
        var patterns = string.Join(", ", _options.Durable);
        try
        {
            await _js.GetAccountInfoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsJSException or NatsNoRespondersException or NatsNoReplyException or NatsException)
        {
            throw new OptionsValidationException(NatsOptions.SectionName, typeof(NatsOptions),
                [$"{NatsOptions.SectionName}:Durable ({patterns}) needs JetStream, and NATS at {Url} has none ({e.Message.TrimEnd('.')}). Start nats-server with -js (or a jetstream {{ store_dir: ... }} block in its configuration), or remove {NatsOptions.SectionName}:Durable."]);
        }

        var subjects = _options.Durable.Select(_subjects.Topic).ToArray();
        var config = new StreamConfig(_stream, subjects)
        {
            Storage = StreamConfigStorage.File,
            // Kept until every plugin's consumer acknowledged it (or MaxAge).
            Retention = StreamConfigRetention.Interest,
            DuplicateWindow = _options.DuplicateWindow,
            MaxAge = _options.DurableMaxAge,
        };
        try
        {
            await _js.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e)
        {
            throw new OptionsValidationException(NatsOptions.SectionName, typeof(NatsOptions),
                [$"{NatsOptions.SectionName}:Durable ({patterns}): JetStream at {Url} refused the stream {_stream} for {string.Join(", ", subjects)}: {e.Error.Description} (code {e.Error.ErrCode}). A stream of that name made otherwise (other retention or storage) must be deleted first (nats stream rm {_stream}), or give another SubjectPrefix."]);
        }
        _logger.NatsDurableStream(_stream, string.Join(", ", subjects), _options.DuplicateWindow.TotalSeconds, _options.AckWait.TotalSeconds);
    }

    /// <summary>Publishes into the stream and waits for JetStream's acknowledgement: the message is stored when this returns.</summary>
    private async ValueTask SendDurableAsync(Message message, string subject, NatsHeaders headers, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_broker.PublishTimeout);
        PubAckResponse ack;
        try
        {
            // The id travels as Nats-Msg-Id (NatsWire): JetStream stores one message per id within the duplicate window.
            ack = await _js!.PublishAsync(subject, message.Payload, headers: headers, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MessageDeliveryException(
                $"NATS at {Url} sent no JetStream acknowledgement for durable message {message.Id} on '{message.Topic}' within PluginHost:Broker:PublishTimeout ({_broker.PublishTimeout.TotalSeconds:0.###} s): it may not be stored. Publishing it again with the same id is safe within PluginHost:Nats:DuplicateWindow.");
        }
        // (EnsureSuccess would throw for a duplicate too: that one is stored already, so the publish succeeded.)
        if (ack.Error is { } refused)
            throw new MessageDeliveryException($"JetStream at {Url} refused durable message {message.Id} on '{message.Topic}': {refused.Description} (code {refused.ErrCode}).");
        if (ack.Duplicate)
        {
            Interlocked.Increment(ref _duplicates);
            _logger.NatsDurableDuplicate(message.Id, message.Topic, _stream);
        }
        else
        {
            Interlocked.Increment(ref _stored);
        }
    }

    /// <summary>The durable consumers this host's plugins need: one per (plugin, durable pattern) their patterns overlap.</summary>
    private HashSet<NatsDurableKey> WantedConsumers(LocalInterest interest)
    {
        var wanted = new HashSet<NatsDurableKey>();
        foreach (var (owner, pattern) in interest.Subscriptions)
        {
            if (NatsInterest.IsHostSubscriber(owner)) continue;
            for (var i = 0; i < _options.Durable.Count; i++)
            {
                if (NatsDurable.Overlap(pattern, _options.Durable[i])) wanted.Add(new NatsDurableKey(owner, i));
            }
        }
        return wanted;
    }

    /// <summary>Creates the durable consumers newly wanted and starts consuming; stops consuming (keeping the consumer) for the others.</summary>
    private async Task ReconcileConsumersAsync(LocalInterest interest, CancellationToken stopping)
    {
        if (_durable.Length == 0) return;
        var wanted = WantedConsumers(interest);
        foreach (var key in wanted.Where(k => !_consumers.ContainsKey(k)))
        {
            INatsJSConsumer? consumer = null;
            try
            {
                consumer = await CreateConsumerAsync(key, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The loop below keeps trying (every second): its messages wait in the stream meanwhile.
                _logger.NatsSubscribeFailed(_subjects.Topic(_options.Durable[key.Index]), key.Owner, $"durable consumer {NatsDurable.ConsumerName(key.Owner, key.Index)}: {e.Message}");
            }
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _consumers[key] = (stop, Task.Run(() => ConsumeAsync(key, consumer, stop.Token), CancellationToken.None));
        }
        foreach (var key in _consumers.Keys.Where(k => !wanted.Contains(k)).ToArray())
        {
            // The consumer stays on the server: what arrives meanwhile waits there for the plugin's return.
            var (stop, loop) = _consumers[key];
            _consumers.Remove(key);
            await stop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
        }
    }

    private IEnumerable<string> ConsumerDescriptions() =>
        _consumers.Keys.Select(k => $"{_subjects.Topic(_options.Durable[k.Index])} [durable {NatsDurable.ConsumerName(k.Owner, k.Index)}]");

    private async Task StopConsumersAsync()
    {
        foreach (var (stop, loop) in _consumers.Values)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
        }
        _consumers.Clear();
        if (_durable.Length > 0)
        {
            _logger.NatsDurableTotals(Interlocked.Read(ref _stored), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _acked),
                Interlocked.Read(ref _retried), Interlocked.Read(ref _terminated), Interlocked.Read(ref _returned), Interlocked.Read(ref _redelivered));
        }
    }

    private Task<INatsJSConsumer> CreateConsumerAsync(NatsDurableKey key, CancellationToken cancellationToken) =>
        _js!.CreateOrUpdateConsumerAsync(_stream, new ConsumerConfig(NatsDurable.ConsumerName(key.Owner, key.Index))
        {
            FilterSubject = _subjects.Topic(_options.Durable[key.Index]),
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            // Retries are counted here (PluginHost:Broker:MaxRetries), and a message given up is terminated.
            MaxDeliver = -1,
        }, cancellationToken).AsTask();

    /// <summary>Pulls for one plugin, up to DurableMaxInFlight at a time; after an error (server gone) it starts over.</summary>
    private async Task ConsumeAsync(NatsDurableKey key, INatsJSConsumer? consumer, CancellationToken stopping)
    {
        using var slots = new SemaphoreSlim(_options.DurableMaxInFlight);
        var opts = new NatsJSConsumeOpts { MaxMsgs = _options.DurableMaxInFlight };
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                consumer ??= await CreateConsumerAsync(key, stopping).ConfigureAwait(false);
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: opts, cancellationToken: stopping).ConfigureAwait(false))
                {
                    await slots.WaitAsync(stopping).ConfigureAwait(false);
                    _ = HandleAsync(key, msg, slots);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.NatsDurableConsumerFailed(NatsDurable.ConsumerName(key.Owner, key.Index), e.Message);
                consumer = null;   // made again (created or updated) on the next turn
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One delivery: to one local instance of the plugin; acknowledged once its handler completed.</summary>
    private async Task HandleAsync(NatsDurableKey key, INatsJSMsg<byte[]> msg, SemaphoreSlim slots)
    {
        var message = NatsWire.Decode(_subjects.TopicOf(msg.Subject), msg.Headers, msg.Data);
        var action = "acknowledge";
        try
        {
            Interlocked.Increment(ref _received);
            _receivedCounter.Add(1);
            // Deliveries before this one: handler failures, or a host that died holding it (counted the same).
            var failures = (int)Math.Clamp((long)(msg.Metadata?.NumDelivered ?? 1) - 1, 0, int.MaxValue);
            if (failures > 0) Interlocked.Increment(ref _redelivered);
            var interest = _interest;
            var outcome = interest.Wants(key.Owner, message.Topic)
                ? await _inbound!.HandleLocalAsync(message, key.Owner, failures, CancellationToken.None).ConfigureAwait(false)
                : interest.Has(key.Owner)
                    ? DurableOutcome.Handled   // under the durable pattern, but under none of the plugin's own: not its
                    : new DurableOutcome(DurableOutcomeKind.NotDelivered, "the plugin left this host");   // for another host or its return
            switch (outcome.Kind)
            {
                case DurableOutcomeKind.Handled:
                    await msg.AckAsync().ConfigureAwait(false);
                    Interlocked.Increment(ref _acked);
                    break;
                case DurableOutcomeKind.Retry or DurableOutcomeKind.NotDelivered:
                    action = "redeliver (NAK)";
                    await msg.NakAsync(new AckOpts { NakDelay = _options.RetryDelay }).ConfigureAwait(false);
                    Interlocked.Increment(ref outcome.Kind == DurableOutcomeKind.Retry ? ref _retried : ref _returned);
                    break;
                default:
                    action = "terminate";
                    if (outcome.Kind == DurableOutcomeKind.Rejected) _logger.NatsInboundFailed(message.Id, msg.Subject, key.Owner, outcome.Reason ?? "rejected");
                    await msg.AckTerminateAsync().ConfigureAwait(false);
                    Interlocked.Increment(ref _terminated);
                    break;
            }
        }
        catch (Exception e)
        {
            // Not acknowledged: JetStream redelivers it after AckWait.
            _logger.NatsDurableAckFailed(message.Id, key.Owner, action, _options.AckWait.TotalSeconds, e.Message);
        }
        finally
        {
            slots.Release();
        }
    }
}

/// <summary>One durable consumer: a plugin and the index of a durable pattern in PluginHost:Nats:Durable.</summary>
internal sealed record NatsDurableKey(string Owner, int Index);
