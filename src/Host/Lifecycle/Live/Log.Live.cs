using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

/// <summary>Live changes: what triggered them, what was rejected, and what each plugin went through.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.LiveChangeRequested, LogLevel.Information, "Re-reading configuration and plugin folders: {Why}")]
    public static partial void LiveChangeRequested(this ILogger logger, string why);

    [LoggerMessage(LogEvents.LiveChangeRejected, LogLevel.Error, "New configuration rejected, the running configuration is kept: {Reason}")]
    public static partial void LiveChangeRejected(this ILogger logger, string reason);

    [LoggerMessage(LogEvents.LiveChangeApplied, LogLevel.Information, "Live change applied: {Summary}")]
    public static partial void LiveChangeApplied(this ILogger logger, string summary);

    [LoggerMessage(LogEvents.PluginAdding, LogLevel.Information, "Plugin {Plugin} {Version} added live: starting {Instances} instance(s) from {Folder}")]
    public static partial void PluginAdding(this ILogger logger, string plugin, string version, int instances, string folder);

    [LoggerMessage(LogEvents.PluginRemoving, LogLevel.Information, "Plugin {Plugin} removed live ({Why}): draining and stopping its {Instances} instance(s)")]
    public static partial void PluginRemoving(this ILogger logger, string plugin, int instances, string why);

    [LoggerMessage(LogEvents.PluginScaling, LogLevel.Information, "Plugin {Plugin} scaled live from {From} to {To} instance(s)")]
    public static partial void PluginScaling(this ILogger logger, string plugin, int from, int to);

    [LoggerMessage(LogEvents.PluginReplacing, LogLevel.Information, "Plugin {Plugin} {From} → {To}: replacing {Old} instance(s) by {New}, one at a time ({Why})")]
    public static partial void PluginReplacing(this ILogger logger, string plugin, string from, string to, int old, int @new, string why);

    [LoggerMessage(LogEvents.PluginReplaced, LogLevel.Information, "Plugin {Plugin} {Version} now serves with {Instances} instance(s); the previous ones drained and stopped")]
    public static partial void PluginReplaced(this ILogger logger, string plugin, string version, int instances);

    [LoggerMessage(LogEvents.PluginRolledBack, LogLevel.Error, "Plugin {Plugin} {To} did not start, rolled back: {From} keeps serving ({Failure}); fix the plugin and save it again, or send SIGHUP to retry")]
    public static partial void PluginRolledBack(this ILogger logger, string plugin, string to, string from, string failure);

    [LoggerMessage(LogEvents.PluginChangeRejected, LogLevel.Error, "Plugin {Plugin} not changed, what runs of it keeps serving: {Reason}")]
    public static partial void PluginChangeRejected(this ILogger logger, string plugin, string reason);

    [LoggerMessage(LogEvents.NeedsRestart, LogLevel.Warning, "Changed configuration that applies only when the host restarts: {Keys}")]
    public static partial void NeedsRestart(this ILogger logger, string keys);

    [LoggerMessage(LogEvents.MessagesHandedBack, LogLevel.Information, "Plugin {Plugin} instance {Instance} did not start: {Count} message(s) routed to it while starting went to its other instances")]
    public static partial void MessagesHandedBack(this ILogger logger, string plugin, int instance, int count);

    [LoggerMessage(LogEvents.CannotWatch, LogLevel.Warning, "Cannot watch {Path} for changes ({Error}); SIGHUP still applies them")]
    public static partial void CannotWatch(this ILogger logger, string path, string error);
}
