using System.Globalization;
using System.Text.Json;

namespace PluginHost.Host.Plugins;

/// <summary>
/// A plugin's effective settings: the manifest's defaults overlaid with configuration overrides. Configuration gives
/// strings; each is typed after the manifest's default at the same place (number, boolean, JSON text for an object or
/// array, else string). Nested keys (<c>db:host</c>, <c>hosts:0</c>) merge into objects and build arrays.
/// </summary>
internal static class PluginSettings
{
    /// <param name="keyPrefix">Configuration key of the overrides' section, for messages: PluginHost:Plugins:echo:Settings.</param>
    /// <param name="errors">Receives one message per override that does not fit its default, naming its key.</param>
    public static IReadOnlyDictionary<string, object?> Merge(
        IReadOnlyDictionary<string, JsonElement> defaults,
        IReadOnlyDictionary<string, string?> overrides,
        string keyPrefix,
        ICollection<string> errors)
    {
        var result = defaults.ToDictionary(d => d.Key, d => JsonValues.ToPlain(d.Value), StringComparer.Ordinal);
        foreach (var (name, node) in OverrideNode.Build(overrides).Children)
        {
            var key = defaults.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
            JsonElement? fallback = defaults.TryGetValue(key, out var d) ? d : null;
            if (Apply(fallback, node, $"{keyPrefix}:{name}", errors, out var value))
                result[key] = value;
        }
        return result;
    }

    private static bool Apply(JsonElement? @default, OverrideNode node, string key, ICollection<string> errors, out object? value)
    {
        if (node.Children.Count == 0)
            return Convert(@default, node.Value ?? "", key, errors, out value);

        value = null;
        var kind = @default?.ValueKind ?? JsonValueKind.Undefined;
        if (kind is JsonValueKind.Undefined or JsonValueKind.Null)
            kind = node.Children.Keys.All(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                ? JsonValueKind.Array
                : JsonValueKind.Object;

        if (kind == JsonValueKind.Object)
            return ApplyObject(@default, node, key, errors, out value);
        if (kind == JsonValueKind.Array)
            return ApplyArray(@default, node, key, errors, out value);

        errors.Add($"{key} has nested keys, but the manifest's default for it is {JsonValues.KindName(kind)}");
        return false;
    }

    // Objects merge key by key, so overriding db:host keeps the default db:port.
    private static bool ApplyObject(JsonElement? @default, OverrideNode node, string key, ICollection<string> errors, out object? value)
    {
        var merged = @default is { ValueKind: JsonValueKind.Object } d
            ? (Dictionary<string, object?>)JsonValues.ToPlain(d)!
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        var ok = true;
        foreach (var (name, child) in node.Children)
        {
            JsonElement? inner = null;
            var target = name;
            if (@default is { ValueKind: JsonValueKind.Object } o)
            {
                foreach (var property in o.EnumerateObject())
                {
                    if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) continue;
                    (inner, target) = (property.Value, property.Name);
                    break;
                }
            }
            if (Apply(inner, child, $"{key}:{name}", errors, out var childValue)) merged[target] = childValue;
            else ok = false;
        }
        value = merged;
        return ok;
    }

    // Arrays are replaced whole: configuration cannot say "remove an element", only list the new ones.
    private static bool ApplyArray(JsonElement? @default, OverrideNode node, string key, ICollection<string> errors, out object? value)
    {
        var items = new List<object?>();
        var ok = true;
        var defaults = @default is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().ToArray() : [];
        foreach (var (name, child) in node.Children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
        {
            var index = int.Parse(name, CultureInfo.InvariantCulture);
            JsonElement? inner = index < defaults.Length ? defaults[index] : defaults.Length > 0 ? defaults[0] : null;
            if (Apply(inner, child, $"{key}:{name}", errors, out var item)) items.Add(item);
            else ok = false;
        }
        value = items;
        return ok;
    }

    private static bool Convert(JsonElement? @default, string text, string key, ICollection<string> errors, out object? value)
    {
        value = text;
        switch (@default?.ValueKind)
        {
            case JsonValueKind.Number:
                // An integer default takes an integer where one is given; a float default (2.0) always gets a float.
                if (@default.Value.TryGetInt64(out _) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)) value = integer;
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)) value = real;
                else return Fail(errors, $"{key}: '{text}' is not a number (the manifest's default is {@default.Value.GetRawText()})");
                return true;
            case JsonValueKind.True or JsonValueKind.False:
                if (!bool.TryParse(text, out var flag))
                    return Fail(errors, $"{key}: '{text}' is not true or false (the manifest's default is {@default.Value.GetRawText()})");
                value = flag;
                return true;
            case JsonValueKind.Object or JsonValueKind.Array:
                var expected = @default.Value.ValueKind;
                try
                {
                    using var parsed = JsonDocument.Parse(text);
                    if (parsed.RootElement.ValueKind == expected)
                    {
                        value = JsonValues.ToPlain(parsed.RootElement);
                        return true;
                    }
                }
                catch (JsonException)
                {
                    // Reported below with the expected shape.
                }
                return Fail(errors, $"{key}: '{text}' is not {JsonValues.KindName(expected)} in JSON (the manifest's default is {JsonValues.KindName(expected)}); give JSON text or nested keys");
            default:
                return true;
        }
    }

    private static bool Fail(ICollection<string> errors, string message)
    {
        errors.Add(message);
        return false;
    }

    // Flattened configuration keys ("db:host") regrouped as a tree.
    private sealed class OverrideNode
    {
        public string? Value { get; private set; }

        public Dictionary<string, OverrideNode> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

        public static OverrideNode Build(IReadOnlyDictionary<string, string?> overrides)
        {
            var root = new OverrideNode();
            foreach (var (path, value) in overrides.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                if (path.Length == 0) continue;
                var node = root;
                foreach (var segment in path.Split(':'))
                {
                    if (!node.Children.TryGetValue(segment, out var child))
                        node.Children[segment] = child = new OverrideNode();
                    node = child;
                }
                node.Value = value;
            }
            return root;
        }
    }
}
