using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace PluginHost.Host.Telemetry;

internal static class ConsoleLogDefaults
{
    public const string IncludeScopesKey = "Logging:Console:FormatterOptions:IncludeScopes";

    /// <summary>
    /// The JSON console formatter includes scopes unless configured not to, so a plugin's records carry their
    /// plugin, instance, Python logger and level as fields (<c>PluginLogScope</c>); .NET's own default is off.
    /// </summary>
    public static IServiceCollection AddConsoleLogDefaults(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = configuration.GetValue(IncludeScopesKey, true));
        return services;
    }
}
