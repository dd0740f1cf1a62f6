using System.Collections.Immutable;
using PluginHost.Host.Configuration;
using PluginHost.Sdk;

namespace PluginHost.Host.Plugins;

/// <summary>One discovery pass: find candidate folders, read each manifest, apply configuration, settle name clashes.</summary>
internal sealed class PluginDiscovery(PluginHostOptions options, string contentRoot)
{
    private readonly List<string> _warnings = [];

    // A folder to read, and the configuration name it was given explicitly (PluginHost:Plugins:<name>:Path), if any.
    private sealed record Candidate(string Folder, string? ConfiguredName);

    public DiscoveryResult Run()
    {
        var claimed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var found = new List<PluginDescriptor>();
        foreach (var candidate in Candidates())
            found.Add(Describe(candidate, claimed));

        var names = found.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, plugin) in options.Plugins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!names.Contains(name))
                found.Add(NotFound(name, plugin));
        }

        // OrderBy is stable: under one name, the plugin that claimed it stays ahead of its duplicates.
        return new DiscoveryResult(PluginDependencies.Check([.. found.OrderBy(p => p.Name, StringComparer.Ordinal)]), _warnings);
    }

    // Explicit paths first: a deliberately configured folder wins its name over one found by scanning.
    private List<Candidate> Candidates()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<Candidate>();
        foreach (var (name, plugin) in options.Plugins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(plugin.Path)) continue;
            var folder = Resolve(plugin.Path);
            if (seen.Add(folder)) candidates.Add(new Candidate(folder, name));
        }

        foreach (var directory in options.PluginDirectories)
        {
            foreach (var folder in PluginFolders(Resolve(directory)))
            {
                if (seen.Add(folder)) candidates.Add(new Candidate(folder, null));
            }
        }
        return candidates;
    }

    // Subfolders with a plugin.json, and those with Python files but no manifest (a plugin missing its manifest);
    // anything else (__pycache__, data folders) is not a plugin.
    private IEnumerable<string> PluginFolders(string directory)
    {
        if (!Directory.Exists(directory))
        {
            _warnings.Add($"plugin directory {directory} does not exist");
            return [];
        }
        try
        {
            return Directory.EnumerateDirectories(directory)
                .Where(d => File.Exists(Path.Combine(d, PluginManifest.FileName)) || Directory.EnumerateFiles(d, "*.py").Any())
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _warnings.Add($"plugin directory {directory} cannot be read: {e.Message}");
            return [];
        }
    }

    private PluginDescriptor Describe(Candidate candidate, Dictionary<string, string> claimed)
    {
        var read = ManifestReader.Read(candidate.Folder);
        var manifest = read.Manifest;
        var errors = new List<string>(read.Errors);
        var name = candidate.ConfiguredName ?? manifest?.Name ?? Path.GetFileName(candidate.Folder);
        if (candidate.ConfiguredName is not null && manifest is not null && !string.Equals(manifest.Name, name, StringComparison.OrdinalIgnoreCase))
            errors.Add($"configured as '{name}' ({ConfigKey(name)}:Path) but its {PluginManifest.FileName} names '{manifest.Name}'");

        // Only a declared name (manifest or configuration) claims it; a folder name standing in for an unreadable
        // manifest must not push a valid plugin of that name aside.
        var declared = candidate.ConfiguredName is not null || manifest is not null;
        if (declared && claimed.TryGetValue(name, out var first))
            errors.Add($"duplicate plugin name '{name}': {candidate.Folder} and {first} both declare it; {first} is used");
        else if (declared)
            claimed[name] = candidate.Folder;

        var configured = options.Plugins.GetValueOrDefault(name);
        IReadOnlyDictionary<string, object?> settings = manifest is null
            ? ImmutableDictionary<string, object?>.Empty
            : PluginSettings.Merge(manifest.Settings, configured?.Settings ?? [], $"{ConfigKey(name)}:Settings", errors);

        return new PluginDescriptor(
            name,
            candidate.Folder,
            manifest,
            settings,
            configured?.Instances ?? manifest?.Instances ?? 1,
            configured?.Enabled ?? true,
            errors.Count == 0 ? null : string.Join("; ", errors));
    }

    private PluginDescriptor NotFound(string name, PluginOptions plugin) => new(
        name,
        Folder: "",
        Manifest: null,
        ImmutableDictionary<string, object?>.Empty,
        plugin.Instances ?? 1,
        plugin.Enabled,
        $"configured but not found: no plugin named '{name}' in {string.Join(", ", options.PluginDirectories.Select(Resolve))}; set {ConfigKey(name)}:Path to its folder");

    private string Resolve(string path) => Path.GetFullPath(path, contentRoot);

    private static string ConfigKey(string name) => $"{PluginHostOptions.SectionName}:{nameof(PluginHostOptions.Plugins)}:{name}";
}
