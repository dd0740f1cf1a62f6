using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

/// <summary>Configuration at start: what was read, and what was accepted with a warning.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.ConfigurationLoaded, LogLevel.Information, "Configuration read from: {Sources}")]
    public static partial void ConfigurationLoaded(this ILogger logger, string sources);

    [LoggerMessage(LogEvents.ConfigurationWarning, LogLevel.Warning, "Configuration: {Problem}")]
    public static partial void ConfigurationWarning(this ILogger logger, string problem);

    [LoggerMessage(LogEvents.HangupReceived, LogLevel.Information, "SIGHUP received: re-reading configuration and plugin folders")]
    public static partial void HangupReceived(this ILogger logger);
}
