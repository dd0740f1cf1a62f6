using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

/// <summary>Configuration at start: what was read, and what was accepted with a warning.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.ConfigurationLoaded, LogLevel.Information, "Configuration read from: {Sources}")]
    public static partial void ConfigurationLoaded(this ILogger logger, string sources);

    [LoggerMessage(LogEvents.ConfigurationWarning, LogLevel.Warning, "Configuration: {Problem}")]
    public static partial void ConfigurationWarning(this ILogger logger, string problem);

    [LoggerMessage(LogEvents.HangupIgnored, LogLevel.Warning, "SIGHUP received: configuration is read once at start, so nothing changes; restart the service to apply changes (live reconfiguration is not built yet)")]
    public static partial void HangupIgnored(this ILogger logger);
}
