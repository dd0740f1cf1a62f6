using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;

namespace PluginHost.Host.Cli;

/// <summary>
/// The capabilities a plugin would start with (the configured override, else plugin.json's), parsed as a start parses
/// them, so <c>list</c> reports an unknown capability instead of calling the plugin ready (<c>validate</c> checks
/// plugin.json's against its schema).
/// </summary>
internal static class CapabilityCheck
{
    /// <summary>The errors joined as one, or null when every capability parses.</summary>
    public static string? Error(PluginDescriptor plugin, IReadOnlyList<string>? configured)
    {
        var errors = new List<string>();
        PluginPolicies.Resolve(plugin, configured, errors);
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }
}
