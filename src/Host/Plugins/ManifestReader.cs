using System.Text.Json;
using PluginHost.Sdk;

namespace PluginHost.Host.Plugins;

/// <summary>
/// Reads <c>&lt;folder&gt;/plugin.json</c>: JSON syntax, then the published schema, then the model, then whether the
/// entry module exists in the folder. Never throws for a bad plugin; every problem becomes an error line.
/// </summary>
internal static class ManifestReader
{
    public static ManifestReadResult Read(string folder)
    {
        var full = Path.GetFullPath(folder);
        var file = Path.Combine(full, PluginManifest.FileName);
        if (!Directory.Exists(full))
            return Failed(full, $"plugin folder {full} does not exist");
        if (!File.Exists(file))
            return Failed(full, $"no {PluginManifest.FileName} in {full}");

        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(full, $"{PluginManifest.FileName} cannot be read: {e.Message}");
        }
        return Parse(full, text);
    }

    /// <summary>Checks manifest text as if it were <c>&lt;folder&gt;/plugin.json</c>.</summary>
    public static ManifestReadResult Parse(string folder, string text)
    {
        using var document = TryParseJson(text, out var syntaxError);
        if (document is null)
            return Failed(folder, syntaxError!);

        var violations = ManifestSchema.Validate(document.RootElement);
        if (violations.Count > 0)
            return new ManifestReadResult(folder, null, [.. violations.Select(v => $"{PluginManifest.FileName} {v}")]);

        PluginManifest manifest;
        try
        {
            manifest = document.RootElement.Deserialize<PluginManifest>()
                ?? throw new JsonException("the manifest is null");
        }
        catch (JsonException e)
        {
            // The schema accepted what the model refuses: a drift between the two, reported rather than thrown.
            return Failed(folder, $"{PluginManifest.FileName} does not fit the manifest model: {e.Message}");
        }

        var entryError = CheckEntryModule(folder, manifest.Entry);
        return new ManifestReadResult(folder, manifest, entryError is null ? [] : [entryError]);
    }

    /// <summary>The entry module must be a file or package inside the plugin folder; null when it is.</summary>
    public static string? CheckEntryModule(string folder, string entry)
    {
        var relative = Path.Combine(entry.Split('.'));
        var module = Path.Combine(folder, relative + ".py");
        var package = Path.Combine(folder, relative, "__init__.py");
        if (File.Exists(module) || File.Exists(package)) return null;
        return $"entry module '{entry}' not found: expected {module} or {package}";
    }

    private static JsonDocument? TryParseJson(string text, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            error = $"{PluginManifest.FileName} is not valid JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {WithoutPosition(e.Message)}";
            return null;
        }
    }

    // System.Text.Json appends "Path: ... | LineNumber: ... | BytePositionInLine: ..."; the position is given above instead.
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }

    private static ManifestReadResult Failed(string folder, string error) => new(folder, null, [error]);
}
