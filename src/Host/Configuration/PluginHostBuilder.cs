using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Lifecycle;

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
        // The framework reads the working directory's appsettings*.json (again at each source removed) until
        // ReplaceApplicationSources has removed them: a malformed one there must not stop a host that never uses it.
        // A file in settingsDirectory is the host's own and still fails (ConfigurationGate reports it).
        var configuration = new ConfigurationManager();
        var guard = new SettingsReloadGuard();
        configuration.SetFileLoadExceptionHandler(context => context.Ignore = guard.Started || !IsIn(context.Provider.Source, settingsDirectory));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { Args = [.. configurationArgs], Configuration = configuration });
        PluginHostConfiguration.ReplaceApplicationSources(
            builder.Configuration, settingsDirectory, builder.Environment.EnvironmentName, configurationArgs);
        builder.Services.AddSingleton(guard);
        builder.Services.AddPluginHostOptions();
        // The generic host must not cut the plugins' stop short: it waits StopTimeout (StopBudget) plus CPython's finalisation.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<PluginHostOptions>>(DeriveShutdownTimeout);
        builder.Services.AddPluginCatalog();
        return builder;
    }

    private static bool IsIn(FileConfigurationSource source, string directory) =>
        source.Path is { } path && source.FileProvider?.GetFileInfo(path).PhysicalPath is { } file
        && string.Equals(Path.GetDirectoryName(Path.GetFullPath(file)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), StringComparison.Ordinal);

    // Resolved while the host is built, before the startup validator runs: invalid options keep the default here and
    // are reported by the validator, naming the key.
    private static void DeriveShutdownTimeout(HostOptions hosting, IOptions<PluginHostOptions> plugins)
    {
        try
        {
            hosting.ShutdownTimeout = plugins.Value.StopTimeout + StopBudget.FinalizationSlack;
        }
        catch (OptionsValidationException)
        {
        }
    }
}
