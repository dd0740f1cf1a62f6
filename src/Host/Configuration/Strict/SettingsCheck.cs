using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Configuration.Strict;

/// <summary>
/// A plugin's configured <c>Settings</c> against its manifest's defaults: a value that does not fit the default's type
/// is an error (as any other type error); a key the manifest does not declare is a warning, since the plugin may read
/// settings it has no default for. Under a default that is an empty object (<c>{}</c>) any key is expected.
/// </summary>
internal static class SettingsCheck
{
    public static (IReadOnlyList<ConfigurationProblem> Errors, IReadOnlyList<ConfigurationProblem> Warnings) Run(
        PluginHostOptions options, IEnumerable<PluginDescriptor> plugins, IConfiguration configuration)
    {
        var errors = new List<ConfigurationProblem>();
        var warnings = new List<ConfigurationProblem>();
        foreach (var plugin in plugins)
        {
            if (plugin.Manifest is not { } manifest) continue;
            var configured = options.Plugins.FirstOrDefault(p => string.Equals(p.Key, plugin.Name, StringComparison.OrdinalIgnoreCase));
            if (configured.Value is null) continue;
            var prefix = $"{PluginHostOptions.SectionName}:{nameof(PluginHostOptions.Plugins)}:{configured.Key}:{nameof(PluginOptions.Settings)}";
            var warned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (path, value) in configured.Value.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                var key = $"{prefix}:{path}";
                if (Undeclared(manifest.Settings, path) is { } undeclared)
                {
                    if (warned.Add(undeclared))
                        warnings.Add(Problem(configuration, $"{prefix}:{undeclared}", UndeclaredMessage(manifest.Settings, undeclared)));
                    continue;
                }
                var mismatches = new List<string>();
                PluginSettings.Merge(manifest.Settings, new Dictionary<string, string?> { [path] = value }, prefix, mismatches);
                foreach (var mismatch in mismatches)
                    errors.Add(Problem(configuration, key, Without(mismatch, key)));
            }
        }
        return (errors, warnings);
    }

    // The part of path (relative to Settings) that the manifest does not declare, or null when it does.
    private static string? Undeclared(IReadOnlyDictionary<string, JsonElement> defaults, string path)
    {
        var segments = path.Split(':');
        var match = defaults.Keys.FirstOrDefault(k => string.Equals(k, segments[0], StringComparison.OrdinalIgnoreCase));
        if (match is null) return segments[0];
        var current = defaults[match];
        for (var i = 1; i < segments.Length; i++)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.EnumerateObject().Any()) return null;   // arrays, free-form objects
            var property = current.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, segments[i], StringComparison.OrdinalIgnoreCase));
            if (property.Value.ValueKind == JsonValueKind.Undefined) return string.Join(':', segments[..(i + 1)]);
            current = property.Value;
        }
        return null;
    }

    private static string UndeclaredMessage(IReadOnlyDictionary<string, JsonElement> defaults, string undeclared)
    {
        var last = undeclared.Split(':')[^1];
        var siblings = undeclared.Contains(':')
            ? SiblingNames(defaults, undeclared)
            : defaults.Keys;
        return Suggestions.Closest(last, siblings) is { } close
            ? $"not a setting plugin.json declares (did you mean {close}?); passed to the plugin as given"
            : "not a setting plugin.json declares; passed to the plugin as given";
    }

    private static IEnumerable<string> SiblingNames(IReadOnlyDictionary<string, JsonElement> defaults, string undeclared)
    {
        var segments = undeclared.Split(':');
        var current = defaults.First(d => string.Equals(d.Key, segments[0], StringComparison.OrdinalIgnoreCase)).Value;
        foreach (var segment in segments[1..^1])
            current = current.EnumerateObject().First(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase)).Value;
        return current.EnumerateObject().Select(p => p.Name).ToList();
    }

    private static ConfigurationProblem Problem(IConfiguration configuration, string key, string message) =>
        new(ConfigurationSourceNames.Of(configuration, key), key, message);

    // PluginSettings words its errors "<key>: ..."; the key is said once, by the problem.
    private static string Without(string message, string key) =>
        message.StartsWith(key + ": ", StringComparison.OrdinalIgnoreCase) ? message[(key.Length + 2)..] : message;
}
