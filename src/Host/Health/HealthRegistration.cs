using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Health;

internal static class HealthRegistration
{
    /// <summary>
    /// Health checks: "host" and one "plugin:&lt;name&gt;" per enabled plugin discovered, published to the log every
    /// <paramref name="period"/>.
    /// </summary>
    public static IServiceCollection AddPluginHealthChecks(this IServiceCollection services, TimeSpan period)
    {
        services.AddHealthChecks();
        services.AddSingleton<IHealthCheckPublisher, HealthLogPublisher>();
        services.Configure<HealthCheckPublisherOptions>(o => { o.Delay = TimeSpan.FromSeconds(2); o.Period = period; });
        services.AddOptions<HealthCheckServiceOptions>().Configure<PluginCatalog, IServiceProvider>((options, catalog, provider) =>
        {
            options.Registrations.Add(new HealthCheckRegistration("host", _ => new HostHealthCheck(provider.GetRequiredService<PluginSupervisor>()), null, null));
            foreach (var plugin in catalog.Discover().Where(p => p.Enabled))
            {
                var name = plugin.Name;
                options.Registrations.Add(new HealthCheckRegistration($"plugin:{name}",
                    _ => new PluginHealthCheck(name, provider.GetRequiredService<PluginSupervisor>()), HealthStatus.Unhealthy, ["plugin"]));
            }
        });
        return services;
    }
}
