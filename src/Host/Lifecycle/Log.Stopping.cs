using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// Log lines of stopping and abandoning interpreters (PluginInstance.Abandon.cs, PluginSupervisor).
internal static partial class Log
{
    [LoggerMessage(LogEvents.InterpreterLeftRunning, LogLevel.Error, "Plugin {Plugin} instance {Instance}: interpreter {InterpreterId} is abandoned: left running (it ends by itself if what holds it returns; CPython is not finalised while it runs), {Count} abandoned by this instance so far: {Reason}")]
    public static partial void InterpreterLeftRunning(this ILogger logger, string plugin, int instance, long interpreterId, int count, string reason);

    [LoggerMessage(LogEvents.InterpreterEndFailed, LogLevel.Error, "Plugin {Plugin} instance {Instance}: ending interpreter {InterpreterId} failed; it is counted as abandoned and the restart or stop goes on")]
    public static partial void InterpreterEndFailed(this ILogger logger, string plugin, int instance, long interpreterId, Exception exception);

    [LoggerMessage(LogEvents.WatchFailed, LogLevel.Error, "An instance's watchdog failed; the other instances' watchdogs go on")]
    public static partial void WatchFailed(this ILogger logger, Exception exception);

    [LoggerMessage(LogEvents.StartCancelled, LogLevel.Warning, "The host is stopping while plugins start: {Left} plugin instance(s) not started")]
    public static partial void StartCancelled(this ILogger logger, int left);

    [LoggerMessage(LogEvents.InstanceStopFailed, LogLevel.Error, "Stopping plugin {Plugin} instance {Instance} failed; the other instances are stopped all the same")]
    public static partial void InstanceStopFailed(this ILogger logger, string plugin, int instance, Exception exception);

    [LoggerMessage(LogEvents.PluginsStopped, LogLevel.Information, "Stopped {Count} plugin instance(s) in {ElapsedMs:0} ms: {Failed} failed, {Abandoned} interpreter(s) they could not end (left running), {Late} not stopped by the deadline")]
    public static partial void PluginsStopped(this ILogger logger, int count, double elapsedMs, int failed, int abandoned, int late);
}
