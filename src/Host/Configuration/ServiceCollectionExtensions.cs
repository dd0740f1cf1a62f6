using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Configuration;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PluginHostOptions"/> (section PluginHost) and <see cref="PythonOptions"/> (section Python);
    /// PluginHostOptions is validated when the host starts, so bad configuration stops it with the key named.
    /// </summary>
    public static IServiceCollection AddPluginHostOptions(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<PluginHostOptions, PluginHostOptionsValidator>()
            .BindConfiguration(PluginHostOptions.SectionName)
            .PostConfigure<IConfiguration>(PluginSettingsBinding.Complete);
        services.AddOptions<PythonOptions>()
            .BindConfiguration(PythonOptions.SectionName);
        return services;
    }

    /// <summary>Registers the <see cref="PluginCatalog"/> over the bound options and the host's content root.</summary>
    public static IServiceCollection AddPluginCatalog(this IServiceCollection services)
    {
        services.AddSingleton(provider => new PluginCatalog(
            provider.GetRequiredService<IOptions<PluginHostOptions>>().Value,
            provider.GetRequiredService<IHostEnvironment>().ContentRootPath));
        return services;
    }
}
