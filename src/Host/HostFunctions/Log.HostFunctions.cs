using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// Plugins' .NET assemblies and host functions (event ids 1600-1699, LogEvents).
internal static partial class Log
{
    [LoggerMessage(LogEvents.PluginAssembliesLoaded, LogLevel.Information, "Plugin {Plugin} loaded its .NET assembly {Assembly} with host functions: {Functions}")]
    public static partial void PluginAssembliesLoaded(this ILogger logger, string plugin, string assembly, string functions);

    [LoggerMessage(LogEvents.PluginAssembliesFailed, LogLevel.Error, "Plugin {Plugin} will not start: {Error}")]
    public static partial void PluginAssembliesFailed(this ILogger logger, string plugin, string error);

    [LoggerMessage(LogEvents.PluginAssembliesUnloaded, LogLevel.Debug, "Plugin {Plugin}: its .NET assemblies were released (unloadable: {Unloadable})")]
    public static partial void PluginAssembliesUnloaded(this ILogger logger, string plugin, bool unloadable);

    [LoggerMessage(LogEvents.HostFunctionFailed, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: host function {Function} threw")]
    public static partial void HostFunctionFailed(this ILogger logger, string plugin, int instance, string function, Exception exception);
}
