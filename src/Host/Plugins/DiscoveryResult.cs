namespace PluginHost.Host.Plugins;

/// <summary>One scan's plugins (ordered by name) and the problems that belong to no single plugin.</summary>
internal sealed record DiscoveryResult(IReadOnlyList<PluginDescriptor> Plugins, IReadOnlyList<string> Warnings);
