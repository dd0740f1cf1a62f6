using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>The host functions of one owner (the host, or one plugin), by name. Immutable once built.</summary>
internal sealed partial class HostFunctionTable
{
    public static HostFunctionTable Empty { get; } = new(FrozenDictionary<string, HostFunction>.Empty);

    private readonly FrozenDictionary<string, HostFunction> _functions;

    private HostFunctionTable(FrozenDictionary<string, HostFunction> functions) => _functions = functions;

    public IEnumerable<string> Names => _functions.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out HostFunction function) => _functions.TryGetValue(name, out function!);

    /// <summary>
    /// The <see cref="HostFunctionAttribute"/> methods of <paramref name="targets"/>. Throws
    /// <see cref="InvalidOperationException"/> for an invalid name, a name used twice, or a method it cannot call.
    /// </summary>
    public static HostFunctionTable Build(IEnumerable<IHostFunctions> targets, string? owner)
    {
        var functions = new Dictionary<string, HostFunction>(StringComparer.Ordinal);
        // Options of their own (a resolver instance of their own keeps System.Text.Json from sharing their metadata
        // cache with equal options elsewhere), so a plugin's types are cached only as long as its table lives.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        foreach (var function in targets.SelectMany(t => HostFunction.Of(t, owner, json)))
        {
            if (!ValidName().IsMatch(function.Name))
                throw new InvalidOperationException($"host function name '{function.Name}' is invalid: a letter, then letters, digits, '_', '.' or '-' (at most 128)");
            if (!functions.TryAdd(function.Name, function))
                throw new InvalidOperationException($"host function '{function.Name}' is defined twice");
        }
        return new HostFunctionTable(functions.ToFrozenDictionary(StringComparer.Ordinal));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ValidName();
}
