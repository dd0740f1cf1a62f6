using System.Diagnostics.Metrics;

namespace PluginHost.Host.Messaging;

/// <summary>
/// The broker's instruments (meter <c>PluginHost.Broker</c>), tagged with <c>plugin</c> and <c>instance</c>, and the
/// matching in-memory totals behind <see cref="MessageBroker.Snapshot"/>.
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "PluginHost.Broker";

    private readonly bool _ownsMeter;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _unrouted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _undecodable;
    private readonly KeyValuePair<string, object?>[] _reasonTags =
        Enum.GetValues<DeadLetterReason>().Select(r => new KeyValuePair<string, object?>("reason", r.Text())).ToArray();
    private long _unroutedTotal;
    private long _rejectedTotal;

    /// <param name="totals">Every owner/instance's running totals: received and handled, counted once per message, are
    /// exported from them when a reader collects (observable counters), so a listening exporter costs a message nothing
    /// more than the increment it already has (a Counter.Add with two tags took a fifth of a small message's delivery).</param>
    public BrokerMetrics(IMeterFactory? meterFactory, Func<IEnumerable<Measurement<int>>> depths, Func<IEnumerable<ReceiverCounters>> totals)
    {
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableCounter("pluginhost.messages.received", () => Totals(totals, c => Volatile.Read(ref c.Received)), "{message}",
            "Messages put into an inbox (each retry again).");
        Meter.CreateObservableCounter("pluginhost.messages.handled", () => Totals(totals, c => Volatile.Read(ref c.Handled)), "{message}",
            "Messages whose handler returned.");
        _failed = Counter("failed", "Handler runs that raised, retries included.");
        _retried = Counter("retried", "Messages put back into the inbox after their handler raised.");
        _deadLettered = Counter("dead_lettered", "Messages sent to the dead-letter topic after their last retry failed.");
        _dropped = Counter("dropped", "Messages a receiver did not get: inbox full past the wait, endpoint closed, dead letter failed.");
        _unrouted = Counter("unrouted", "Messages published with no receiver.");
        _rejected = Counter("rejected", "Messages refused at publish: invalid topic, address or headers, payload or headers over the limit.");
        _undecodable = Counter("undecodable", "Deliveries whose payload did not decode in the receiver (tag sender: who sent it).");
        Meter.CreateObservableGauge("pluginhost.inbox.depth", depths, "{message}", "Messages waiting in an inbox.");
    }

    public Meter Meter { get; }

    public long UnroutedTotal => Volatile.Read(ref _unroutedTotal);

    public long RejectedTotal => Volatile.Read(ref _rejectedTotal);

    public void Received(Receiver r) => Interlocked.Increment(ref r.Counters.Received);

    public void Handled(Receiver r) => Interlocked.Increment(ref r.Counters.Handled);

    private static IEnumerable<Measurement<long>> Totals(Func<IEnumerable<ReceiverCounters>> totals, Func<ReceiverCounters, long> value) =>
        totals().Select(c => new Measurement<long>(value(c), new("plugin", c.Owner), new("instance", c.Instance)));

    public void Failed(Receiver r) => Count(ref r.Counters.Failed, _failed, r);

    public void Retried(Receiver r) => Count(ref r.Counters.Retried, _retried, r);

    public void DeadLettered(Receiver r, DeadLetterReason reason)
    {
        Interlocked.Increment(ref r.Counters.DeadLettered);
        _deadLettered.Add(1, r.PluginTag, r.InstanceTag, _reasonTags[(int)reason]);
    }

    /// <summary>A delivery to <paramref name="r"/> whose payload, from <paramref name="sender"/>, did not decode there.</summary>
    public void Undecodable(Receiver r, string sender)
    {
        Interlocked.Increment(ref r.Counters.Undecodable);
        _undecodable.Add(1, r.PluginTag, r.InstanceTag, new KeyValuePair<string, object?>("sender", sender));
    }

    public void Dropped(Receiver r) => Count(ref r.Counters.Dropped, _dropped, r);

    // The in-memory total (for snapshots and `pluginhost list`) and the exported counter move together.
    private static void Count(ref long total, Counter<long> counter, Receiver r)
    {
        Interlocked.Increment(ref total);
        counter.Add(1, r.PluginTag, r.InstanceTag);
    }

    public void Unrouted(string sender)
    {
        Interlocked.Increment(ref _unroutedTotal);
        _unrouted.Add(1, new KeyValuePair<string, object?>("sender", sender));
    }

    public void Rejected(string sender)
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejected.Add(1, new KeyValuePair<string, object?>("sender", sender));
    }

    public void Dispose()
    {
        // A factory-made meter belongs to the factory.
        if (_ownsMeter) Meter.Dispose();
    }

    private Counter<long> Counter(string name, string description) =>
        Meter.CreateCounter<long>($"pluginhost.messages.{name}", "{message}", description);
}
