using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// Log lines of stopping and abandoning interpreters (PluginInstance.Abandon.cs, PluginSupervisor).
internal static partial class Log
{
    [LoggerMessage(LogEvents.InterpreterLeftRunning, LogLevel.Error, "Plugin {Plugin} instance {Instance}: interpreter {InterpreterId} is abandoned: left running (it ends by itself if what holds it returns; CPython is not finalised while it runs), {Count} abandoned by this instance so far: {Reason}")]
    public static partial void InterpreterLeftRunning(this ILogger logger, string plugin, int instance, long interpreterId, int count, string reason);

    [LoggerMessage(LogEvents.StartCancelled, LogLevel.Warning, "The host is stopping while plugins start: {Left} plugin instance(s) not started")]
    public static partial void StartCancelled(this ILogger logger, int left);
}
