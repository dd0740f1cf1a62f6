using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace PluginHost.Host.Plugins;

/// <summary>
/// JSON values as the plain .NET values the interpreter layer marshals to Python: null, bool, string, long (BigInteger
/// beyond), double, <see cref="List{T}"/> and string-keyed <see cref="Dictionary{TKey,TValue}"/>.
/// </summary>
internal static class JsonValues
{
    public static object? ToPlain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => value.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => Number(value),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>"a number", "an object", ... for messages.</summary>
    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    // Python ints are unbounded: an integer literal too large for long stays exact instead of becoming a double.
    private static object Number(JsonElement value)
    {
        if (value.TryGetInt64(out var integer)) return integer;
        var raw = value.GetRawText();
        return raw.AsSpan().IndexOfAny(".eE") < 0
            ? BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : value.GetDouble();
    }
}
