using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Messaging;
using PluginHost.Host.Messaging.Nats;
using PluginHost.Host.Plugins;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Configuration;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PluginHostOptions"/> (section PluginHost), <see cref="SandboxOptions"/> (PluginHost:Sandbox)
    /// and <see cref="PythonOptions"/> (section Python); the first two are validated when the host starts, so bad
    /// configuration stops it with the key named.
    /// </summary>
    public static IServiceCollection AddPluginHostOptions(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<PluginHostOptions, PluginHostOptionsValidator>()
            .BindConfiguration(PluginHostOptions.SectionName)
            .PostConfigure<IConfiguration>(PluginSettingsBinding.Complete);
        services.AddOptionsWithValidateOnStart<SandboxOptions, SandboxOptionsValidator>()
            .BindConfiguration(SandboxOptions.SectionName);
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

    /// <summary>
    /// Binds and validates <see cref="BrokerOptions"/> (section PluginHost:Broker) and registers the
    /// <see cref="MessageBroker"/> as itself and as <see cref="IMessageBus"/>, over the transport PluginHost:Broker:Transport
    /// names (in-process by default, or NATS per PluginHost:Nats) unless another <see cref="IMessageTransport"/> was
    /// registered first.
    /// </summary>
    public static IServiceCollection AddMessageBroker(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<BrokerOptions, BrokerOptionsValidator>()
            .BindConfiguration(BrokerOptions.SectionName);
        services.AddOptionsWithValidateOnStart<NatsOptions, NatsOptionsValidator>()
            .BindConfiguration(NatsOptions.SectionName);
        services.TryAddSingleton<IMessageTransport>(provider =>
            provider.GetRequiredService<IOptions<BrokerOptions>>().Value.Transport == BrokerTransport.Nats
                ? ActivatorUtilities.CreateInstance<NatsTransport>(provider)
                : new InProcessTransport());
        services.AddHostedService<TransportLifetime>();
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<BrokerOptions>>().Value;
            if (options.UndeliveredFile is { Length: > 0 } file && provider.GetService<IHostEnvironment>() is { } environment)
                options.UndeliveredFile = Path.Combine(environment.ContentRootPath, file);   // a rooted path stays as it is
            return new MessageBroker(
                options,
                provider.GetRequiredService<ILogger<MessageBroker>>(),
                provider.GetRequiredService<IMessageTransport>(),
                provider.GetService<IMeterFactory>());
        });
        services.AddSingleton<IMessageBus>(provider => provider.GetRequiredService<MessageBroker>());
        // Registered before the plugins' services, so it stops after them and reports the final totals.
        services.AddHostedService<MessageTotalsReport>();
        return services;
    }

    /// <summary>
    /// Registers the host's <see cref="IHostFunctions"/> classes (found with Scrutor in the host assembly; add more
    /// with <c>AddSingleton&lt;IHostFunctions, T&gt;()</c>) and the <see cref="HostFunctionRegistry"/> that also loads
    /// each plugin's own.
    /// </summary>
    public static IServiceCollection AddHostFunctions(this IServiceCollection services)
    {
        services.Scan(scan => scan.FromAssemblyOf<HostFunctionRegistry>()
            .AddClasses(classes => classes.AssignableTo<IHostFunctions>(), publicOnly: false)
            .As<IHostFunctions>()
            .WithSingletonLifetime());
        services.AddSingleton(provider => new HostFunctionRegistry(
            provider.GetServices<IHostFunctions>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetService<IMessageBus>()));
        return services;
    }
}
