using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Isolation;

/// <summary>Where a plugin's instances run: manifest <c>isolation</c>, overridden by <c>PluginHost:Plugins:&lt;name&gt;:Isolation</c>.</summary>
internal enum IsolationMode
{
    /// <summary>An isolated subinterpreter of the host process (own GIL, own thread).</summary>
    Subinterpreter,

    /// <summary>A worker process of its own (<see cref="WorkerMain"/>).</summary>
    Process,

    /// <summary>Meant to fall back to a process when an extension module refuses subinterpreters; for now a subinterpreter.</summary>
    Auto,
}

internal static class IsolationModes
{
    /// <summary>The plugin's mode, or null and why when the value is none of the three.</summary>
    public static IsolationMode? Of(PluginDescriptor descriptor, PluginOptions? configured, out string? error)
    {
        var value = configured?.Isolation ?? descriptor.Manifest!.Isolation;
        error = null;
        switch (value.ToLowerInvariant())
        {
            case "subinterpreter": return IsolationMode.Subinterpreter;
            case "process": return IsolationMode.Process;
            case "auto": return IsolationMode.Auto;
            default:
                error = $"isolation \"{value}\" is none of subinterpreter, process, auto ({(configured?.Isolation is null ? "plugin.json" : $"PluginHost:Plugins:{descriptor.Name}:Isolation")})";
                return null;
        }
    }
}
