using PluginHost.Sdk;

namespace PluginHost.Host.Plugins;

/// <summary>
/// A plugin as discovery found it: its folder, its manifest (null when the manifest could not be read), the
/// settings after configuration overrides, and why it cannot be loaded, if it cannot.
/// </summary>
internal sealed record PluginDescriptor(
    string Name,
    string Folder,
    PluginManifest? Manifest,
    IReadOnlyDictionary<string, object?> Settings,
    int Instances,
    bool Enabled,
    string? LoadError)
{
    public bool CanLoad => Enabled && Manifest is not null && LoadError is null;
}
