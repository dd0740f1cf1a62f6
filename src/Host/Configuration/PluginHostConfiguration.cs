using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace PluginHost.Host.Configuration;

/// <summary>
/// The host's configuration sources, later ones overriding earlier ones: appsettings.json and
/// appsettings.{Environment}.json next to the binary, environment variables prefixed <c>PLUGINHOST_</c>
/// (<c>__</c> for <c>:</c>), then command-line <c>--Section:Key=Value</c> arguments.
/// </summary>
internal static class PluginHostConfiguration
{
    public const string EnvironmentPrefix = "PLUGINHOST_";
    public const string SettingsFile = "appsettings.json";

    /// <summary>Adds the sources in the documented order; <paramref name="baseDirectory"/> is where appsettings.json is looked for.</summary>
    public static IConfigurationBuilder AddPluginHostSources(
        this IConfigurationBuilder configuration, string baseDirectory, string environmentName, IReadOnlyList<string> args)
    {
        // Files next to the binary, not in the working directory: the build copies the repository's appsettings.json
        // there, and a working directory that happens to hold some other appsettings.json must not change the host.
        // Not reloadOnChange: that would make every host built (each CLI verb, each test) take inotify instances. The
        // running host watches these files itself and reloads them when saved (LiveReconfiguration).
        configuration.AddJsonFile(Path.Combine(baseDirectory, SettingsFile), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(baseDirectory, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine([.. args]);
        return configuration;
    }

    /// <summary>
    /// Replaces the application sources that <c>Host.CreateApplicationBuilder</c> added (content-root appsettings, all
    /// unprefixed environment variables, ...) with <see cref="AddPluginHostSources"/>. The host's own sources before
    /// them (DOTNET_ variables and the arguments that set the environment and content root) are kept.
    /// </summary>
    public static void ReplaceApplicationSources(
        IConfigurationBuilder configuration, string baseDirectory, string environmentName, IReadOnlyList<string> args)
    {
        var sources = configuration.Sources;
        var firstApplicationSource = 0;
        while (firstApplicationSource < sources.Count && sources[firstApplicationSource] is not JsonConfigurationSource)
            firstApplicationSource++;
        while (sources.Count > firstApplicationSource)
            sources.RemoveAt(sources.Count - 1);
        configuration.AddPluginHostSources(baseDirectory, environmentName, args);
    }
}
