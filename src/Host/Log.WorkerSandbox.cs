using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// The worker processes' kernel sandbox (event ids 1810-1819, LogEvents): said once per host.
internal static partial class Log
{
    [LoggerMessage(LogEvents.WorkerSandbox, LogLevel.Information, "Worker sandbox: each worker process confines itself: {What}")]
    public static partial void WorkerSandbox(this ILogger logger, string what);

    [LoggerMessage(LogEvents.WorkerSandboxLacking, LogLevel.Warning, "Worker sandbox without {Feature}: {Reason}. {Consequence}")]
    public static partial void WorkerSandboxLacking(this ILogger logger, string feature, string reason, string consequence);

    [LoggerMessage(LogEvents.WorkerSpawnerFailed, LogLevel.Warning, "Worker spawner did not start ({Error}): the host starts worker processes itself, and its kernel backstop leaves process creation open for them.")]
    public static partial void WorkerSpawnerFailed(this ILogger logger, string error);

    [LoggerMessage(LogEvents.WorkerSandboxDisabled, LogLevel.Warning, "Worker sandbox off ({Key}=false): worker processes run with the host's privileges; enforcement in them is audit-hook only.")]
    public static partial void WorkerSandboxDisabled(this ILogger logger, string key);
}
