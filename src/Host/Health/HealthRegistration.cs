using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Health;

internal static class HealthRegistration
{
    private const string FrameworkHealthLog = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    /// <summary>
    /// Health checks: "host" and one "plugin:&lt;name&gt;" per enabled plugin discovered, published to the log every
    /// <paramref name="period"/>.
    /// </summary>
    public static IServiceCollection AddPluginHealthChecks(this IServiceCollection services, TimeSpan period)
    {
        services.AddHealthChecks();
        services.AddSingleton<IHealthCheckPublisher, HealthLogPublisher>();
        // The framework logs every check that is not Healthy at every period (an Error, "fail:", every 30 s for a
        // plugin that never loaded); HealthLogPublisher says the same once, when the status changes.
        services.AddLogging(logging => logging.AddFilter(FrameworkHealthLog, LogLevel.None));
        services.Configure<HealthCheckPublisherOptions>(o => { o.Delay = TimeSpan.FromSeconds(2); o.Period = period; });
        services.AddOptions<HealthCheckServiceOptions>().Configure<PluginCatalog, IServiceProvider>((options, catalog, provider) =>
        {
            var enabled = catalog.Discover().Where(p => p.Enabled).ToList();
            var notLoaded = enabled.Where(p => !p.CanLoad).Select(p => p.Name).ToList();
            options.Registrations.Add(new HealthCheckRegistration("host", _ => new HostHealthCheck(provider.GetRequiredService<PluginSupervisor>(), notLoaded), null, null));
            foreach (var plugin in enabled)
            {
                var (name, loadError) = (plugin.Name, plugin.LoadError);
                options.Registrations.Add(new HealthCheckRegistration($"plugin:{name}",
                    _ => new PluginHealthCheck(name, provider.GetRequiredService<PluginSupervisor>(), loadError), HealthStatus.Unhealthy, ["plugin"]));
            }
        });
        return services;
    }
}
