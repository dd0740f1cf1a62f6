using PluginHost.Sdk;

namespace PluginHost.Host.Plugins;

/// <summary>
/// What <see cref="ManifestReader"/> made of a folder. <see cref="Manifest"/> is null when plugin.json could not be
/// read as a manifest at all; it is set, with errors, when only the folder around it is wrong (no entry module).
/// </summary>
internal sealed record ManifestReadResult(string Folder, PluginManifest? Manifest, IReadOnlyList<string> Errors)
{
    public bool IsValid => Manifest is not null && Errors.Count == 0;

    /// <summary>All errors on one line, for a descriptor's LoadError; null when valid.</summary>
    public string? ErrorText => Errors.Count == 0 ? null : string.Join("; ", Errors);
}
