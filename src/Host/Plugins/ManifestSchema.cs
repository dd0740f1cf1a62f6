using System.Reflection;
using System.Text.Json;
using Json.Pointer;
using Json.Schema;

namespace PluginHost.Host.Plugins;

/// <summary>
/// The published plugin.json schema (docs/plugin-manifest.schema.json, embedded at build time so code and document
/// cannot drift) and the evaluation that turns its failures into "/path: problem" lines.
/// </summary>
internal static class ManifestSchema
{
    internal const string ResourceName = "PluginHost.Host.Plugins.plugin-manifest.schema.json";

    // The schema's own wording for a value that fails "pattern" or "not"; a regular expression is a poor error message.
    private const string PatternMessage = "x-patternMessage";
    private const string NotMessage = "x-notMessage";

    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    internal static string Text { get; } = LoadText();

    // The schema document itself, for quoting the pattern or property list a failure refers to.
    private static readonly JsonDocument Document = JsonDocument.Parse(Text);

    // A private registry: the global one would keep every built schema alive and clash on a second build.
    internal static JsonSchema Schema { get; } = JsonSchema.FromText(Text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    /// <summary>Every schema violation in <paramref name="manifest"/>, one "/json/path: problem" line each; empty when valid.</summary>
    internal static IReadOnlyList<string> Validate(JsonElement manifest)
    {
        var results = Schema.Evaluate(manifest, ListOutput);
        if (results.IsValid) return [];

        var problems = new List<string>();
        var nodes = (IReadOnlyList<EvaluationResults>)[results, .. results.Details ?? []];
        foreach (var node in nodes)
        {
            var path = node.EvaluationPath.ToString();
            // Inside a "not", a subschema that fails is the success of the "not": not a problem to report.
            if (path.EndsWith("/not", StringComparison.Ordinal) || path.Contains("/not/", StringComparison.Ordinal)) continue;
            // A failed "not" carries no message of its own: its subschema, evaluated beside it, passed.
            var errors = node.Errors is { Count: > 0 } own ? own
                : !node.IsValid && nodes.Any(n => n.IsValid && n.EvaluationPath.ToString() == path + "/not") ? new Dictionary<string, string> { ["not"] = "is excluded" }
                : null;
            if (errors is null) continue;
            var location = node.InstanceLocation.ToString();
            foreach (var (keyword, message) in errors)
            {
                var line = $"{(location.Length == 0 ? "(root)" : location)}: {Describe(node, keyword, message, manifest)}";
                if (!problems.Contains(line)) problems.Add(line);
            }
        }
        return problems;
    }

    // The library's wording is kept except where it hides what the reader needs: which pattern, which names are allowed.
    private static string Describe(EvaluationResults node, string keyword, string message, JsonElement manifest)
    {
        // JsonSchema.Net reports an array item's subschema one segment too deep (".../items/items"): try its parent.
        var schemaNode = node.EvaluationPath.Evaluate(Document.RootElement) ?? Parent(node.EvaluationPath)?.Evaluate(Document.RootElement);
        if (keyword == "pattern" && schemaNode?.TryGetProperty("pattern", out var pattern) == true
            && node.InstanceLocation.Evaluate(manifest) is { ValueKind: JsonValueKind.String } value)
        {
            return schemaNode.Value.TryGetProperty(PatternMessage, out var wording)
                ? $"{value.GetRawText()} is not {wording.GetString()}"
                : $"{value.GetRawText()} does not match {pattern.GetString()}";
        }
        if (keyword == "not" && schemaNode?.TryGetProperty(NotMessage, out var notWording) == true
            && node.InstanceLocation.Evaluate(manifest) is { } instance)
        {
            return $"{instance.GetRawText()} is {notWording.GetString()}";
        }
        if (node.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal))
            return $"unknown property; allowed: {string.Join(", ", AllowedProperties())}";
        return message;
    }

    private static JsonPointer? Parent(JsonPointer path)
    {
        var text = path.ToString();
        var cut = text.LastIndexOf('/');
        return cut > 0 ? JsonPointer.Parse(text[..cut]) : null;
    }

    private static IEnumerable<string> AllowedProperties() =>
        Document.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name);

    private static string LoadText()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
