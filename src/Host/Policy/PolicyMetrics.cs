using System.Diagnostics.Metrics;

namespace PluginHost.Host.Policy;

/// <summary>
/// Meter <c>PluginHost.Policy</c>: <c>pluginhost.policy.denials</c>, calls refused by a plugin's policy, tagged with
/// <c>plugin</c>, <c>instance</c>, <c>facility</c> (e.g. <c>os.chdir</c>) and <c>capability</c> (the one that would allow it).
/// </summary>
internal static class PolicyMetrics
{
    public const string MeterName = "PluginHost.Policy";

    // One meter per process, like the hook it counts for.
    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Denials = Meter.CreateCounter<long>("pluginhost.policy.denials", "{call}", "Calls refused by a plugin's policy (PermissionError raised in the plugin).");

    public static void Denied(string plugin, int instance, string facility, string capability) =>
        Denials.Add(1, new("plugin", plugin), new("instance", instance), new("facility", facility), new("capability", capability));
}
