using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Meter <c>PluginHost.Plugins</c>, tagged with <c>plugin</c> and <c>instance</c>: <c>pluginhost.plugin.restarts</c>
/// (counter, with <c>reason</c>), <c>pluginhost.plugin.abandoned</c> (counter: interpreters left running), <c>pluginhost.plugin.state</c> (gauge: the <see cref="PluginState"/> as a number),
/// <c>pluginhost.plugin.memory.allocated</c> and <c>pluginhost.plugin.memory.arenas</c> (the interpreter's own
/// allocator, last sample), <c>pluginhost.plugin.memory.large</c>, <c>pluginhost.plugin.memory.messages</c>,
/// <c>pluginhost.plugin.memory.inbox</c>, a worker's <c>pluginhost.plugin.memory.resident</c> and what the instance holds in all, <c>pluginhost.plugin.memory</c> (gauges, bytes).
/// </summary>
internal static class PluginMetrics
{
    public const string MeterName = "PluginHost.Plugins";

    // One meter per process, like the runtime whose interpreters it describes.
    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<PluginInstance, byte> Live = new(ReferenceEqualityComparer.Instance);

    private static readonly Counter<long> Restarts = Meter.CreateCounter<long>(
        "pluginhost.plugin.restarts", "{restart}", "Instances restarted in a fresh interpreter.");

    private static readonly Counter<long> AbandonedInterpreters = Meter.CreateCounter<long>(
        "pluginhost.plugin.abandoned", "{interpreter}", "Interpreters left running because they could not be ended (stuck in C code, or threads that would not stop).");

    static PluginMetrics()
    {
        Meter.CreateObservableGauge("pluginhost.plugin.state", () => Measure(s => (long)s.State), null,
            "The instance's state: 0 Pending, 1 Starting, 2 Running, 3 Restarting, 4 Stopping, 5 Stopped, 6 Failed.");
        Bytes("memory.allocated", s => s.AllocatedBytes, "Bytes in live blocks of the instance's own interpreter allocator (objects up to 512 bytes).");
        Bytes("memory.arenas", s => s.ArenaBytes, "Bytes of arenas the instance's own interpreter allocator holds.");
        Bytes("memory.large", s => s.LargeBytes, "Bytes in the instance's interpreter's large blocks (objects over 512 bytes, from the raw allocator).");
        Bytes("memory.messages", s => s.MessageBytes, "Payload bytes of received messages the instance's Python code still holds.");
        Bytes("memory.inbox", s => s.InboxBytes, "Payload bytes waiting in the instance's inbox.");
        Bytes("memory.resident", s => s.ResidentBytes, "A worker process's own resident memory (isolation process): anonymous and shared-memory pages.");
        Bytes("memory", s => s.MemoryBytes, "What the instance holds: small and large blocks, kept received payloads and payloads waiting in its inbox.");
    }

    private static void Bytes(string name, Func<PluginStatus, long?> value, string description) =>
        Meter.CreateObservableGauge($"pluginhost.plugin.{name}", () => Measure(value), "By", description);

    public static void Track(PluginInstance instance) => Live.TryAdd(instance, 0);

    public static void Untrack(PluginInstance instance) => Live.TryRemove(instance, out _);

    public static void Restarted(string plugin, int instance, string reason) =>
        Restarts.Add(1, new("plugin", plugin), new("instance", instance), new("reason", reason));

    public static void Abandoned(string plugin, int instance) =>
        AbandonedInterpreters.Add(1, new("plugin", plugin), new("instance", instance));

    private static IEnumerable<Measurement<long>> Measure(Func<PluginStatus, long?> value)
    {
        foreach (var instance in Live.Keys)
        {
            var status = instance.Status;
            if (value(status) is { } v)
                yield return new Measurement<long>(v, new("plugin", status.Plugin), new("instance", status.Instance));
        }
    }
}
