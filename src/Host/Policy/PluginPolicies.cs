using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Policy;

/// <summary>
/// A plugin's policy: its manifest's capabilities, or the configured override <c>PluginHost:Plugins:&lt;name&gt;:Capabilities</c>
/// when one is set (it replaces the manifest's list rather than adding to it, so an operator can also take grants away).
/// </summary>
internal static class PluginPolicies
{
    /// <summary>The configuration key of a plugin's override.</summary>
    public static string ConfigurationKey(string plugin) =>
        $"{PluginHostOptions.SectionName}:{nameof(PluginHostOptions.Plugins)}:{plugin}:{nameof(PluginOptions.Capabilities)}";

    /// <summary>Parses the grants that apply to <paramref name="descriptor"/>; problems are added to <paramref name="errors"/>.</summary>
    public static PluginCapabilities Resolve(PluginDescriptor descriptor, IReadOnlyList<string>? configured, List<string> errors)
    {
        if (configured is not null)
            return PluginCapabilities.Parse(configured, descriptor.Folder, ConfigurationKey(descriptor.Name), errors);
        return PluginCapabilities.Parse(descriptor.Manifest?.Capabilities ?? [], descriptor.Folder, "plugin.json capabilities", errors);
    }

    /// <summary>The interpreter policy for one instance of the plugin.</summary>
    public static InterpreterPolicy Create(PluginDescriptor descriptor, PluginCapabilities capabilities, bool configured, IPolicyListener listener, bool reportAllowed = false) => new()
    {
        Owner = $"plugin '{descriptor.Name}'",
        Granted = capabilities.Granted,
        ReadPaths = capabilities.ReadPaths,
        WritePaths = capabilities.WritePaths,
        Home = descriptor.Folder,
        GrantHint = configured
            ? $"add \"{{0}}\" to {ConfigurationKey(descriptor.Name)}, which replaces plugin.json's list for this host"
            : $"add \"{{0}}\" to \"capabilities\" in plugin.json, or grant it with {ConfigurationKey(descriptor.Name)}",
        Listener = listener,
        ReportAllowed = reportAllowed,
    };
}
