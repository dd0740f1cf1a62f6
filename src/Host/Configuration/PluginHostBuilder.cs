using Microsoft.Extensions.Hosting;

namespace PluginHost.Host.Configuration;

/// <summary>Creates the host builder with the documented configuration sources and the validated options.</summary>
internal static class PluginHostBuilder
{
    /// <summary>
    /// <paramref name="configurationArgs"/> are the <c>--Section:Key=Value</c> overrides (see
    /// <c>ParsedCommand.ConfigurationArgs</c>), not the verb and its own arguments. The content root is the current
    /// directory: relative plugin directories and paths are resolved against it.
    /// </summary>
    public static HostApplicationBuilder Create(IReadOnlyList<string> configurationArgs) =>
        Create(configurationArgs, AppContext.BaseDirectory);

    internal static HostApplicationBuilder Create(IReadOnlyList<string> configurationArgs, string settingsDirectory)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. configurationArgs] });
        PluginHostConfiguration.ReplaceApplicationSources(
            builder.Configuration, settingsDirectory, builder.Environment.EnvironmentName, configurationArgs);
        builder.Services.AddPluginHostOptions();
        builder.Services.AddPluginCatalog();
        return builder;
    }
}
