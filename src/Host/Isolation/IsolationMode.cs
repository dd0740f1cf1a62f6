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
    /// <summary>The plugin's mode; throws <see cref="InvalidOperationException"/> for a value that is none of the three.</summary>
    public static IsolationMode Of(PluginDescriptor descriptor, PluginOptions? configured)
    {
        var value = configured?.Isolation ?? descriptor.Manifest!.Isolation;
        return value.ToLowerInvariant() switch
        {
            "subinterpreter" => IsolationMode.Subinterpreter,
            "process" => IsolationMode.Process,
            "auto" => IsolationMode.Auto,
            _ => throw new InvalidOperationException(
                $"isolation \"{value}\" of plugin {descriptor.Name} is none of subinterpreter, process, auto (PluginHost:Plugins:{descriptor.Name}:Isolation or the manifest)"),
        };
    }
}
