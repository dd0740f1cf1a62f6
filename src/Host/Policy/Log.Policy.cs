using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// Policy decisions about plugins (event ids 1500-1599, LogEvents).
internal static partial class Log
{
    [LoggerMessage(LogEvents.PolicyDenied, LogLevel.Warning, "Plugin {Plugin} instance {Instance} was denied {Facility} ({Capability}): {Message}")]
    public static partial void PolicyDenied(this ILogger logger, string plugin, int instance, string facility, string capability, string message);

    [LoggerMessage(LogEvents.PolicyDeniedAgain, LogLevel.Warning, "Plugin {Plugin} instance {Instance} was denied {Facility} ({Capability}) {Count} more times in the last {Seconds:F0} s: {Message}")]
    public static partial void PolicyDeniedAgain(this ILogger logger, string plugin, int instance, string facility, string capability, long count, double seconds, string message);

    [LoggerMessage(LogEvents.PolicyDenialSummary, LogLevel.Information, "Plugin {Plugin} instance {Instance} was denied {Total} calls while it ran: {Summary}")]
    public static partial void PolicyDenialSummary(this ILogger logger, string plugin, int instance, long total, string summary);

    [LoggerMessage(LogEvents.PolicyGranted, LogLevel.Information, "Plugin {Plugin} instance {Instance} runs with capabilities: {Capabilities}")]
    public static partial void PolicyGranted(this ILogger logger, string plugin, int instance, string capabilities);

    [LoggerMessage(LogEvents.PluginExitRequested, LogLevel.Information, "Plugin {Plugin} instance {Instance} called sys.exit({Code}): stopping this instance only; the host and other plugins keep running")]
    public static partial void PluginExitRequested(this ILogger logger, string plugin, int instance, string code);
}
