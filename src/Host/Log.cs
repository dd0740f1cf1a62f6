using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

/// <summary>
/// Every log line the host writes, with the stable event ids of <see cref="LogEvents"/>: one class, in partial files by
/// area (Log.Broker.cs, Log.Policy.cs, ...), so the generator rejects an id used twice. This file: lifecycle, the
/// plugins' own output, messages inside an instance, health.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.PluginStarting, LogLevel.Information, "Starting plugin {Plugin} {Version} instance {Instance} from {Folder}")]
    public static partial void PluginStarting(this ILogger logger, string plugin, string version, int instance, string folder);

    [LoggerMessage(LogEvents.PluginRunning, LogLevel.Information, "Plugin {Plugin} instance {Instance} is running in interpreter {InterpreterId} ({Elapsed:F1} ms)")]
    public static partial void PluginRunning(this ILogger logger, string plugin, int instance, long interpreterId, double elapsed);

    [LoggerMessage(LogEvents.PluginFailed, LogLevel.Error, "Plugin {Plugin} instance {Instance} failed to start: {Error}")]
    public static partial void PluginFailed(this ILogger logger, string plugin, int instance, string error);

    [LoggerMessage(LogEvents.PluginNotLoadable, LogLevel.Warning, "Plugin {Plugin} was not loaded: {Error}")]
    public static partial void PluginNotLoadable(this ILogger logger, string plugin, string error);

    [LoggerMessage(LogEvents.PluginDisabled, LogLevel.Information, "Plugin {Plugin} is disabled by configuration")]
    public static partial void PluginDisabled(this ILogger logger, string plugin);

    [LoggerMessage(LogEvents.PluginStopping, LogLevel.Information, "Stopping plugin {Plugin} instance {Instance}")]
    public static partial void PluginStopping(this ILogger logger, string plugin, int instance);

    [LoggerMessage(LogEvents.StopHookFailed, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: stop hook failed: {Error}")]
    public static partial void StopHookFailed(this ILogger logger, string plugin, int instance, string error);

    [LoggerMessage(LogEvents.PluginsStarted, LogLevel.Information, "{Running} of {Total} plugin instances running")]
    public static partial void PluginsStarted(this ILogger logger, int running, int total);

    [LoggerMessage(LogEvents.DependencyNotRunning, LogLevel.Warning, "Plugin {Plugin} starts although {Down} of {Total} instances of its dependency {Dependency} are not running")]
    public static partial void DependencyNotRunning(this ILogger logger, string plugin, string dependency, int down, int total);

    [LoggerMessage(LogEvents.DiscoveryWarning, LogLevel.Warning, "Plugin discovery: {Warning}")]
    public static partial void DiscoveryWarning(this ILogger logger, string warning);

    [LoggerMessage(LogEvents.PluginRestarting, LogLevel.Warning, "Plugin {Plugin} instance {Instance} restarts in a fresh interpreter in {Delay} (attempt {Attempt} of {MaxRestarts} within {Window}): {Reason}")]
    public static partial void PluginRestarting(this ILogger logger, string plugin, int instance, TimeSpan delay, int attempt, int maxRestarts, TimeSpan window, string reason);

    [LoggerMessage(LogEvents.PluginFailedForGood, LogLevel.Error, "Plugin {Plugin} instance {Instance} stays Failed: {Why}; {DeadLettered} queued message(s) dead-lettered. Last error: {Error}")]
    public static partial void PluginFailedForGood(this ILogger logger, string plugin, int instance, string why, int deadLettered, string error);

    [LoggerMessage(LogEvents.InterpreterAbandoned, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: interpreter {InterpreterId} is left to end by itself (a handler is blocked in native code)")]
    public static partial void InterpreterAbandoned(this ILogger logger, string plugin, int instance, long interpreterId);

    [LoggerMessage(LogEvents.MemorySampled, LogLevel.Debug, "Plugin {Plugin} instance {Instance}: {Allocated} bytes in live blocks, {Arenas} bytes of arenas, {Large} bytes in large blocks, {Messages} bytes of received payloads kept, {Inbox} bytes of payloads waiting in its inbox")]
    public static partial void MemorySampled(this ILogger logger, string plugin, int instance, long allocated, long arenas, long large, long messages, long inbox);

    [LoggerMessage(LogEvents.MemorySampleFailed, LogLevel.Debug, "Plugin {Plugin} instance {Instance}: memory sample not taken: {Reason}")]
    public static partial void MemorySampleFailed(this ILogger logger, string plugin, int instance, string reason);

    [LoggerMessage(LogEvents.StatusFileFailed, LogLevel.Warning, "Could not write the status file {Path}: {Reason}")]
    public static partial void StatusFileFailed(this ILogger logger, string path, string reason);

    [LoggerMessage(LogEvents.MemoryLimitWithoutLargeBlocks, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: MemoryLimitMiB counts only objects up to 512 bytes, because Python:TrackLargeAllocations is off")]
    public static partial void MemoryLimitWithoutLargeBlocks(this ILogger logger, string plugin, int instance);

    [LoggerMessage(LogEvents.HandlerFailed, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: handler for '{Topic}' raised:\n{Traceback}")]
    public static partial void HandlerFailed(this ILogger logger, string plugin, int instance, string topic, string traceback);

    [LoggerMessage(LogEvents.UndeliveredAtStop, LogLevel.Warning, "Plugin {Plugin} instance {Instance} stopped with {Count} messages not handled; they were counted as dropped{Written}")]
    public static partial void UndeliveredAtStop(this ILogger logger, string plugin, int instance, int count, string written);

    [LoggerMessage(LogEvents.HandlerTimedOut, LogLevel.Warning, "Plugin {Plugin} instance {Instance}: handler for '{Topic}' ran past {Timeout}; interrupting it")]
    public static partial void HandlerTimedOut(this ILogger logger, string plugin, int instance, string topic, TimeSpan timeout);

    [LoggerMessage(LogEvents.InboxDeliveryFailed, LogLevel.Error, "Delivering to {Plugin}/{Instance} failed; its messages stay queued")]
    public static partial void InboxDeliveryFailed(this ILogger logger, Exception exception, string plugin, int instance);

    [LoggerMessage(EventId = LogEvents.HealthChanged, Message = "Health of {Entry}: {Status} ({Description})")]
    public static partial void HealthChangedCore(this ILogger logger, LogLevel level, string entry, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, string description);

    public static void HealthChanged(this ILogger logger, string entry, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, string description) =>
        logger.HealthChangedCore(status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy ? LogLevel.Information : LogLevel.Warning, entry, status, description);

    [LoggerMessage(EventId = LogEvents.PythonRecord, Message = "[{PythonLogger}] {Message}")]
    public static partial void PythonRecord(this ILogger logger, LogLevel level, string pythonLogger, string message);

    [LoggerMessage(EventId = LogEvents.PythonOutput, Message = "{Message}")]
    public static partial void PythonOutput(this ILogger logger, LogLevel level, string message);
}
