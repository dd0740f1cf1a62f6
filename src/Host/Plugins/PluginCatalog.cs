using PluginHost.Host.Configuration;

namespace PluginHost.Host.Plugins;

/// <summary>
/// Finds plugins: the subfolders of <see cref="PluginHostOptions.PluginDirectories"/> and the configured
/// <c>Path</c> entries, relative paths resolved against the content root. Each call scans afresh.
/// </summary>
internal sealed class PluginCatalog(PluginHostOptions options, string contentRoot)
{
    public PluginHostOptions Options => options;

    public string ContentRoot => contentRoot;

    /// <summary>
    /// Every plugin found or named in configuration, valid or not, ordered by name. One that cannot be loaded is
    /// still listed, with its <see cref="PluginDescriptor.LoadError"/>; <see cref="PluginDescriptor.CanLoad"/> says which to start.
    /// </summary>
    public IReadOnlyList<PluginDescriptor> Discover() => Scan().Plugins;

    /// <summary>As <see cref="Discover"/>, with the problems that belong to no single plugin (a missing plugin directory).</summary>
    public DiscoveryResult Scan() => new PluginDiscovery(options, contentRoot).Run();
}
