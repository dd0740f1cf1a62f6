using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

internal static partial class Log
{
    [LoggerMessage(LogEvents.TelemetryEndpoint, LogLevel.Information, "Serving /metrics and /healthz on http://127.0.0.1:{Port}/")]
    public static partial void TelemetryEndpoint(this ILogger logger, int port);
}
