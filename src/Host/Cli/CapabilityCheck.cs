using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Sdk;

namespace PluginHost.Host.Cli;

/// <summary>
/// The capabilities a plugin would start with (the configured override, else plugin.json's), parsed as a start parses
/// them, so <c>list</c> and <c>validate</c> report an unknown capability instead of calling the plugin ready or valid.
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

    /// <summary>
    /// For <c>validate</c>: the error in this host's configured override of the folder's plugin's capabilities, or null
    /// when there is none (plugin.json's own list is checked against the manifest schema).
    /// </summary>
    public static string? Configured(PluginManifest manifest, string folder, PluginHostOptions options) =>
        options.Plugins.GetValueOrDefault(manifest.Name)?.Capabilities is { } configured
            ? Error(new PluginDescriptor(manifest.Name, folder, manifest, new Dictionary<string, object?>(), 1, true, null), configured)
            : null;
}
