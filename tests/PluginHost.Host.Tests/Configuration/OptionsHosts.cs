using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Tests.Configuration;

/// <summary>A bare host with only the PluginHost options bound from <paramref name="configuration"/>, for option tests.</summary>
internal static class OptionsHosts
{
    public static IHost Build(Dictionary<string, string?> configuration)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddPluginHostOptions();
        return builder.Build();
    }
}
