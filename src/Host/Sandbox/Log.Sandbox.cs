using Microsoft.Extensions.Logging;

namespace PluginHost.Host;

// The kernel backstop (event ids 1700-1799, LogEvents).
internal static partial class Log
{
    [LoggerMessage(LogEvents.BackstopInstalled, LogLevel.Information, "Kernel backstop: a seccomp filter on every thread of the process ({NoNewPrivileges}) denies with EPERM: {Denied}. {Allowed}A plugin granted one of these capabilities later takes it at the next host start.")]
    public static partial void BackstopInstalled(this ILogger logger, string noNewPrivileges, string denied, string allowed);

    [LoggerMessage(LogEvents.BackstopGroup, LogLevel.Debug, "Kernel backstop: {Group} denies {Syscalls}")]
    public static partial void BackstopGroup(this ILogger logger, string group, string syscalls);

    [LoggerMessage(LogEvents.BackstopUnavailable, LogLevel.Warning, "Kernel backstop unavailable: {Reason}. Enforcement is audit-hook only.")]
    public static partial void BackstopUnavailable(this ILogger logger, string reason);

    [LoggerMessage(LogEvents.BackstopDisabled, LogLevel.Warning, "Kernel backstop off ({Key}=false). Enforcement is audit-hook only.")]
    public static partial void BackstopDisabled(this ILogger logger, string key);
}
