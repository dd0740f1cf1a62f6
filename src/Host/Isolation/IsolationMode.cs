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
            case "process" when MaxConcurrency(descriptor, configured) is > 1 and var many:
                // The worker protocol runs one message at a time; saying more would be a promise it cannot keep.
                error = $"MaxConcurrency {many} ({(configured?.MaxConcurrency is null ? "plugin.json maxConcurrency" : $"PluginHost:Plugins:{descriptor.Name}:MaxConcurrency")}) " +
                    "needs isolation subinterpreter: a worker process (isolation process) handles one message at a time; set it to 1 or remove it";
                return null;
            case "process": return IsolationMode.Process;
            case "auto": return IsolationMode.Auto;
            default:
                error = $"isolation \"{value}\" is none of subinterpreter, process, auto ({(configured?.Isolation is null ? "plugin.json" : $"PluginHost:Plugins:{descriptor.Name}:Isolation")})";
                return null;
        }
    }

    /// <summary>The plugin's MaxConcurrency: configuration over manifest (docs/messaging.md#concurrency).</summary>
    public static int MaxConcurrency(PluginDescriptor descriptor, PluginOptions? configured) =>
        configured?.MaxConcurrency ?? descriptor.Manifest?.MaxConcurrency ?? 1;
}
