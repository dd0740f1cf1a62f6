using System.Text.RegularExpressions;
using PluginHost.Host.Messaging;

namespace PluginHost.Host.Plugins;

/// <summary>
/// What a plugin may be called: the manifest schema's rule (docs/plugin-manifest.schema.json, which enforces the same
/// for plugin.json), for the places that take a name without a manifest — configuration keys and <c>pluginhost new</c>.
/// </summary>
internal static partial class PluginNames
{
    /// <summary>
    /// Names the host sends messages under itself; a plugin so named could forge them (a plugin's messages carry its
    /// name as sender). .NET subscribers are <c>host#&lt;n&gt;</c>, which no plugin name can match.
    /// </summary>
    public static IReadOnlyList<string> Reserved { get; } = [DeadLetterHeaders.Sender, "host"];

    /// <summary>Null when <paramref name="name"/> is a plugin name; else what is wrong with it.</summary>
    public static string? Problem(string name)
    {
        if (!Pattern().IsMatch(name))
            return $"'{name}' is not a plugin name: a lowercase letter, then up to 63 lowercase letters, digits, '_', '.' or '-' ({Pattern()})";
        if (Reserved.Contains(name))
            return $"'{name}' is reserved: the host itself sends messages under it";
        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}$")]
    private static partial Regex Pattern();
}
