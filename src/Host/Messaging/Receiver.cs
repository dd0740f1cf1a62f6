namespace PluginHost.Host.Messaging;

/// <summary>
/// The broker's record of one registered endpoint: its identity read once, its counters and its metric tags (boxed
/// once here so counting a message allocates nothing).
/// </summary>
internal sealed class Receiver
{
    public Receiver(IMessageEndpoint endpoint, ReceiverCounters counters)
    {
        Endpoint = endpoint;
        Owner = endpoint.Owner;
        Instance = endpoint.Instance;
        Name = $"{Owner}/{Instance}";
        Counters = counters;
        PluginTag = new("plugin", Owner);
        InstanceTag = new("instance", Instance);
    }

    public IMessageEndpoint Endpoint { get; }

    public string Owner { get; }

    public int Instance { get; }

    /// <summary><c>owner/instance</c>, as in addresses, logs and dead-letter headers.</summary>
    public string Name { get; }

    public ReceiverCounters Counters { get; }

    public KeyValuePair<string, object?> PluginTag { get; }

    public KeyValuePair<string, object?> InstanceTag { get; }

    /// <summary>Registrations (address, subscriptions) holding this receiver; changed under the broker's lock.</summary>
    public int References { get; set; }

    public override string ToString() => Name;
}

/// <summary>
/// Running totals of one <c>owner/instance</c>. Kept by the broker for the life of the process (a restarted instance
/// continues its predecessor's totals), so their number is bounded by the plugin instances ever run.
/// </summary>
internal sealed class ReceiverCounters(string owner, int instance)
{
    // Received is counted by the publishers' threads, the rest by the consumer's. The two counted per message each
    // sit alone on a cache line: apart, or every message would bounce one line between the two cores; alone, because
    // whatever the allocator put next to this object may be written as often (a locked increment of Handled sharing
    // a line with it took a tenth of a small message's delivery).
    private PaddedLong _received;
    private PaddedLong _handled;

    public ref long Received => ref _received.Value;

    public ref long Handled => ref _handled.Value;

    public long Failed;
    public long Retried;
    public long DeadLettered;
    public long Dropped;
    public long Undecodable;

    /// <summary>Messages this instance published or sent as requests that the broker accepted (for <c>pluginhost top</c>).</summary>
    public long Sent;

    public string Owner { get; } = owner;

    public int Instance { get; } = instance;
}

/// <summary>A long alone on its cache line (64 bytes each side), for a counter one thread writes while others write its neighbours.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 136)]
internal struct PaddedLong
{
    [System.Runtime.InteropServices.FieldOffset(64)]
    public long Value;
}
