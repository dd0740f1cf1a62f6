using PluginHost.Host.HostFunctions;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Policy;

/// <summary>
/// The capabilities a plugin is granted, parsed from its manifest's <c>capabilities</c> or from the configuration
/// override <c>PluginHost:Plugins:&lt;name&gt;:Capabilities</c>. <c>filesystem.read:&lt;dir&gt;</c> and
/// <c>filesystem.write:&lt;dir&gt;</c> grant one directory tree; a relative directory is relative to the plugin folder.
/// <c>host:&lt;name&gt;</c> and <c>host:*</c> grant host functions (checked by the host, not the audit hook).
/// </summary>
internal sealed record PluginCapabilities(Capability Granted, IReadOnlyList<string> ReadPaths, IReadOnlyList<string> WritePaths)
{
    public static PluginCapabilities None { get; } = new(Capability.None, [], []);

    /// <summary>The host functions granted.</summary>
    public HostFunctionGrants HostFunctions { get; init; } = HostFunctionGrants.None;

    /// <summary>Every name <paramref name="names"/> holds, or the errors that keep it from being a grant.</summary>
    public static PluginCapabilities Parse(IEnumerable<string> names, string pluginFolder, string source, List<string> errors)
    {
        var granted = Capability.None;
        var read = new List<string>();
        var write = new List<string>();
        var functions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in names)
        {
            var name = raw.Trim();
            if (name.Length == 0)
                continue;   // configuration cannot say "an empty list"; [""] does
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            var kind = colon < 0 ? name : name[..colon];
            if (colon >= 0 && kind is CapabilityNames.ReadPrefix or CapabilityNames.WritePrefix)
            {
                var directory = name[(colon + 1)..].Trim();
                if (directory.Length == 0)
                {
                    errors.Add($"{source}: '{raw}' names no directory; use '{kind}' for every directory or '{kind}:<dir>' for one");
                    continue;
                }
                (kind == CapabilityNames.ReadPrefix ? read : write).Add(Path.GetFullPath(directory, pluginFolder));
            }
            else if (colon >= 0 && kind == HostFunctionGrants.Prefix)
            {
                var function = name[(colon + 1)..].Trim();
                if (function.Length == 0)
                    errors.Add($"{source}: '{raw}' names no host function; use '{HostFunctionGrants.Prefix}:<name>' or '{HostFunctionGrants.Prefix}:*'");
                else
                    functions.Add(function);
            }
            else if (colon < 0 && CapabilityNames.TryParse(name, out var capability))
            {
                granted |= capability;
            }
            else
            {
                errors.Add($"{source}: unknown capability '{raw}'; known: {string.Join(", ", CapabilityNames.All)}, {CapabilityNames.ReadPrefix}:<dir>, {CapabilityNames.WritePrefix}:<dir>, {HostFunctionGrants.Prefix}:<function>, {HostFunctionGrants.Prefix}:*");
            }
        }
        return new PluginCapabilities(granted, read, write)
        {
            HostFunctions = functions.Count == 0 ? HostFunctionGrants.None : new HostFunctionGrants(functions.Remove("*"), functions),
        };
    }

    /// <summary>The grants as capability names again, for reports.</summary>
    public IEnumerable<string> Names =>
        CapabilityNames.Each(Granted)
            .Concat(ReadPaths.Select(p => $"{CapabilityNames.ReadPrefix}:{p}"))
            .Concat(WritePaths.Select(p => $"{CapabilityNames.WritePrefix}:{p}"))
            .Concat(HostFunctions.CapabilityNames);
}
