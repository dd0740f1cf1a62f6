using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// Process isolation: the worker processes that run instances with isolation "process".
internal static partial class Log
{
    [LoggerMessage(LogEvents.WorkerStarted, LogLevel.Information, "{Name} runs in worker process {ProcessId}")]
    public static partial void WorkerStarted(this ILogger logger, string name, int processId);

    [LoggerMessage(LogEvents.WorkerOutput, LogLevel.Warning, "Worker process {ProcessId} ({Name}): {Line}")]
    public static partial void WorkerOutput(this ILogger logger, int processId, string name, string line);

    [LoggerMessage(LogEvents.WorkerExited, LogLevel.Information, "Worker process {ProcessId} ({Name}) exited with code {ExitCode}")]
    public static partial void WorkerExited(this ILogger logger, int processId, string name, int exitCode);

    [LoggerMessage(LogEvents.WorkerCallFailed, LogLevel.Warning, "Worker process {ProcessId} ({Name}): a {Kind} from the plugin failed in the host: {Error}")]
    public static partial void WorkerCallFailed(this ILogger logger, int processId, string name, string kind, string error);

    [LoggerMessage(LogEvents.WorkerFallback, LogLevel.Warning, "Plugin {Plugin} instance {Instance} (isolation auto) runs in a worker process from now on: {Why}")]
    public static partial void WorkerFallback(this ILogger logger, string plugin, int instance, string why);
}
