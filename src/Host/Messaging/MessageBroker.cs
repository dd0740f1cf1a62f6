using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Routes messages between endpoints: plugin instances' inboxes and .NET subscribers. Registration builds a new
/// <see cref="RoutingTable"/> under a lock and swaps it in; publishing reads the current table and takes no lock of
/// its own. This file: construction, registration, statistics. Publish, request and outcomes are in the partial files.
/// </summary>
internal sealed partial class MessageBroker : IMessageBus, ITransportInbound, IDisposable
{
    private readonly ILogger<MessageBroker> _logger;
    private readonly IMessageTransport _transport;
    private readonly BrokerMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<IMessageEndpoint, Receiver> _receivers = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<(string Owner, int Instance), ReceiverCounters> _counters = new();
    private volatile RoutingTable _table = RoutingTable.Empty;
    private readonly UndeliveredFile? _undelivered;
    private readonly ReplyDeadlines _deadlines = new();
    private long _nextSubscriptionId;
    private int _nextDotNetSubscriber;

    public MessageBroker(BrokerOptions options, ILogger<MessageBroker> logger, IMessageTransport transport)
        : this(options, logger, transport, meterFactory: null)
    {
    }

    /// <param name="meterFactory">The host's factory; without one the broker makes (and disposes) its own meter.</param>
    public MessageBroker(BrokerOptions options, ILogger<MessageBroker> logger, IMessageTransport transport, IMeterFactory? meterFactory)
    {
        var validation = new BrokerOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(BrokerOptions.SectionName, typeof(BrokerOptions), validation.Failures);

        Options = options;
        _logger = logger;
        _transport = transport;
        _metrics = new BrokerMetrics(meterFactory, InboxDepths, () => _counters.Values);
        _undelivered = string.IsNullOrWhiteSpace(options.UndeliveredFile) ? null : new UndeliveredFile(options.UndeliveredFile, logger);
        transport.Attach(this);
    }

    /// <summary>The settings in force; plugin inboxes are sized by <see cref="BrokerOptions.InboxCapacity"/>.</summary>
    public BrokerOptions Options { get; }

    /// <summary>The meter the broker's instruments live on (name <see cref="BrokerMetrics.MeterName"/>).</summary>
    public Meter Meter => _metrics.Meter;

    public string TransportName => _transport.Name;

    /// <summary>The undelivered-message file (PluginHost:Broker:UndeliveredFile), null when none is configured.</summary>
    internal UndeliveredFile? Undelivered => _undelivered;

    /// <summary>
    /// Makes <paramref name="endpoint"/> addressable by <see cref="Message.To"/>: <c>owner</c> (any of the owner's
    /// addressable instances, competing) or <c>owner/instance</c>. Disposing the result removes it again.
    /// </summary>
    public IDisposable AddEndpoint(IMessageEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        CheckIdentity(endpoint);
        Receiver receiver;
        lock (_gate)
        {
            receiver = Acquire(endpoint);
            Swap(_table.Addressable.Add(receiver), _table.Subscriptions);
        }

        return new Registration(() =>
        {
            lock (_gate)
            {
                Release(receiver);
                Swap(_table.Addressable.Remove(receiver), _table.Subscriptions);
            }
        });
    }

    /// <summary>
    /// Subscribes <paramref name="endpoint"/> to <paramref name="pattern"/> until the result is disposed. All endpoints
    /// of one owner whose patterns match a topic compete for its messages (each goes to one of them); different owners
    /// each get a copy. Throws <see cref="ArgumentException"/> for an invalid pattern.
    /// </summary>
    public IDisposable Subscribe(string pattern, IMessageEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var parsed = TopicPattern.Parse(pattern);
        CheckIdentity(endpoint);
        Subscription subscription;
        lock (_gate)
        {
            subscription = new Subscription(++_nextSubscriptionId, parsed, Acquire(endpoint));
            Swap(_table.Addressable, _table.Subscriptions.Add(subscription));
        }

        return new Registration(() =>
        {
            lock (_gate)
            {
                Release(subscription.Receiver);
                Swap(_table.Addressable, _table.Subscriptions.Remove(subscription));
            }
        });
    }

    /// <summary>
    /// Subscribes a .NET handler: it gets its own bounded inbox (<see cref="BrokerOptions.InboxCapacity"/> messages,
    /// <see cref="BrokerOptions.InboxMaxBytes"/> of payloads) and runs on
    /// the thread pool, one message at a time in arrival order. Each subscription is its own owner (<c>host#n</c>), so
    /// it receives every matching message. After disposal no new message reaches it and those still queued are
    /// counted as dropped.
    /// </summary>
    public IDisposable Subscribe(string pattern, MessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        TopicPattern.Parse(pattern);
        var owner = $"host#{Interlocked.Increment(ref _nextDotNetSubscriber)}";
        var endpoint = new DotNetSubscriberEndpoint(this, owner, handler, Options.InboxCapacity, _logger);
        endpoint.Start(Subscribe(pattern, endpoint));
        return endpoint;
    }

    /// <summary>Totals per owner since the process started, and inbox depths now.</summary>
    public BrokerStatistics Snapshot()
    {
        var depths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var receiver in _table.Receivers)
            depths[receiver.Owner] = depths.GetValueOrDefault(receiver.Owner) + Depth(receiver);

        var owners = _counters.Values
            .GroupBy(c => c.Owner, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new OwnerStatistics(
                g.Key,
                g.Sum(c => Interlocked.Read(ref c.Received)),
                g.Sum(c => Interlocked.Read(ref c.Handled)),
                g.Sum(c => Interlocked.Read(ref c.Failed)),
                g.Sum(c => Interlocked.Read(ref c.Retried)),
                g.Sum(c => Interlocked.Read(ref c.DeadLettered)),
                g.Sum(c => Interlocked.Read(ref c.Dropped)),
                depths.GetValueOrDefault(g.Key),
                g.Sum(c => Interlocked.Read(ref c.Undecodable))))
            .ToList();
        return new BrokerStatistics(owners, _metrics.UnroutedTotal, _metrics.RejectedTotal);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _deadlines.Dispose();
        _undelivered?.Dispose();
    }

    private static void CheckIdentity(IMessageEndpoint endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint.Owner) || endpoint.Owner.Contains('/'))
            throw new ArgumentException($"Endpoint owner '{endpoint.Owner}' is not a name: it must be non-empty and free of '/', which separates owner and instance in addresses.", nameof(endpoint));
        if (endpoint.Instance < 0)
            throw new ArgumentException($"Endpoint {endpoint.Owner} has instance {endpoint.Instance}; instances count from 0.", nameof(endpoint));
    }

    /// <summary>The running totals of <paramref name="owner"/>/<paramref name="instance"/>, made on first ask (the same object its receiver counts into).</summary>
    public ReceiverCounters CountersOf(string owner, int instance) =>
        _counters.GetOrAdd((owner, instance), key => new ReceiverCounters(key.Owner, key.Instance));

    private Receiver Acquire(IMessageEndpoint endpoint)
    {
        if (!_receivers.TryGetValue(endpoint, out var receiver))
        {
            var counters = CountersOf(endpoint.Owner, endpoint.Instance);
            receiver = new Receiver(endpoint, counters);
            _receivers.Add(endpoint, receiver);
        }

        receiver.References++;
        return receiver;
    }

    private void Release(Receiver receiver)
    {
        if (--receiver.References == 0) _receivers.Remove(receiver.Endpoint);
    }

    private void Swap(ImmutableArray<Receiver> addressable, ImmutableArray<Subscription> subscriptions)
    {
        var receivers = _receivers.Values.ToArray();
        // Swap, then tell the transport, both under _gate so it sees changes in order.
        _table = new RoutingTable(addressable, subscriptions, receivers);
        if (_transport.TracksLocalInterest)
            _transport.LocalInterestChanged(new LocalInterest(
                subscriptions.Select(s => (s.Receiver.Owner, s.Pattern.Text)).Distinct().ToArray(),
                [.. addressable.Select(r => r.Owner).Distinct(StringComparer.Ordinal), .. addressable.Select(r => $"{r.Owner}/{r.Instance}").Distinct(StringComparer.Ordinal)]));
        AddressesChanged();
    }

    private IEnumerable<Measurement<int>> InboxDepths()
    {
        foreach (var receiver in _table.Receivers)
            yield return new Measurement<int>(Depth(receiver), receiver.PluginTag, receiver.InstanceTag);
    }

    private static int Depth(Receiver receiver)
    {
        try
        {
            return receiver.Endpoint.Depth;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }
}
