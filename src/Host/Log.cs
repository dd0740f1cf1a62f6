using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

/// <summary>Every log line the host writes, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Starting plugin {Plugin} {Version} instance {Instance} from {Folder}")]
    public static partial void PluginStarting(this ILogger logger, string plugin, string version, int instance, string folder);

    [LoggerMessage(1001, LogLevel.Information, "Plugin {Plugin} instance {Instance} is running in interpreter {InterpreterId} ({Elapsed:F1} ms)")]
    public static partial void PluginRunning(this ILogger logger, string plugin, int instance, long interpreterId, double elapsed);

    [LoggerMessage(1002, LogLevel.Error, "Plugin {Plugin} instance {Instance} failed to start: {Error}")]
    public static partial void PluginFailed(this ILogger logger, string plugin, int instance, string error);

    [LoggerMessage(1003, LogLevel.Warning, "Plugin {Plugin} was not loaded: {Error}")]
    public static partial void PluginNotLoadable(this ILogger logger, string plugin, string error);

    [LoggerMessage(1004, LogLevel.Information, "Plugin {Plugin} is disabled by configuration")]
    public static partial void PluginDisabled(this ILogger logger, string plugin);

    [LoggerMessage(1005, LogLevel.Information, "Stopping plugin {Plugin} instance {Instance}")]
    public static partial void PluginStopping(this ILogger logger, string plugin, int instance);

    [LoggerMessage(1006, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: stop hook failed: {Error}")]
    public static partial void StopHookFailed(this ILogger logger, string plugin, int instance, string error);

    [LoggerMessage(1007, LogLevel.Information, "{Running} of {Total} plugin instances running")]
    public static partial void PluginsStarted(this ILogger logger, int running, int total);

    [LoggerMessage(1009, LogLevel.Warning, "Plugin discovery: {Warning}")]
    public static partial void DiscoveryWarning(this ILogger logger, string warning);

    [LoggerMessage(1010, LogLevel.Warning, "Plugin {Plugin} instance {Instance} restarts in a fresh interpreter in {Delay} (attempt {Attempt} of {MaxRestarts} within {Window}): {Reason}")]
    public static partial void PluginRestarting(this ILogger logger, string plugin, int instance, TimeSpan delay, int attempt, int maxRestarts, TimeSpan window, string reason);

    [LoggerMessage(1011, LogLevel.Error, "Plugin {Plugin} instance {Instance} stays Failed: {Why}; {DeadLettered} queued message(s) dead-lettered. Last error: {Error}")]
    public static partial void PluginFailedForGood(this ILogger logger, string plugin, int instance, string why, int deadLettered, string error);

    [LoggerMessage(1012, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: interpreter {InterpreterId} is left to end by itself (a handler is blocked in native code)")]
    public static partial void InterpreterAbandoned(this ILogger logger, string plugin, int instance, long interpreterId);

    [LoggerMessage(1013, LogLevel.Debug, "Plugin {Plugin} instance {Instance}: {Allocated} bytes in live blocks, {Arenas} bytes of arenas, {Large} bytes in large blocks, {Messages} bytes of received payloads kept, {Inbox} bytes of payloads waiting in its inbox")]
    public static partial void MemorySampled(this ILogger logger, string plugin, int instance, long allocated, long arenas, long large, long messages, long inbox);

    [LoggerMessage(1014, LogLevel.Debug, "Plugin {Plugin} instance {Instance}: memory sample not taken: {Reason}")]
    public static partial void MemorySampleFailed(this ILogger logger, string plugin, int instance, string reason);

    [LoggerMessage(1015, LogLevel.Warning, "Could not write the status file {Path}: {Reason}")]
    public static partial void StatusFileFailed(this ILogger logger, string path, string reason);

    [LoggerMessage(1016, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: MemoryLimitMiB counts only objects up to 512 bytes, because Python:TrackLargeAllocations is off")]
    public static partial void MemoryLimitWithoutLargeBlocks(this ILogger logger, string plugin, int instance);

    [LoggerMessage(1200, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: handler for '{Topic}' raised:\n{Traceback}")]
    public static partial void HandlerFailed(this ILogger logger, string plugin, int instance, string topic, string traceback);

    [LoggerMessage(1201, LogLevel.Warning, "Plugin {Plugin} instance {Instance} stopped with {Count} messages not handled; they were counted as dropped{Written}")]
    public static partial void UndeliveredAtStop(this ILogger logger, string plugin, int instance, int count, string written);

    [LoggerMessage(1202, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: handler for '{Topic}' ran past {Timeout}; interrupting it")]
    public static partial void HandlerTimedOut(this ILogger logger, string plugin, int instance, string topic, TimeSpan timeout);

    [LoggerMessage(1203, LogLevel.Error, "Delivering to plugin {Plugin} instance {Instance} failed; its messages stay queued")]
    public static partial void DeliveryFailed(this ILogger logger, string plugin, int instance, Exception error);

    [LoggerMessage(EventId = 1400, Message = "Health of {Entry}: {Status} ({Description})")]
    public static partial void HealthChangedCore(this ILogger logger, LogLevel level, string entry, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, string description);

    public static void HealthChanged(this ILogger logger, string entry, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, string description) =>
        logger.HealthChangedCore(status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy ? LogLevel.Information : LogLevel.Warning, entry, status, description);

    [LoggerMessage(EventId = 1100, Message = "[{PythonLogger}] {Message}")]
    public static partial void PythonRecord(this ILogger logger, LogLevel level, string pythonLogger, string message);

    [LoggerMessage(EventId = 1101, Message = "{Message}")]
    public static partial void PythonOutput(this ILogger logger, LogLevel level, string message);
}
