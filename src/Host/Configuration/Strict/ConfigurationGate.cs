using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Configuration.Strict;

/// <summary>
/// Where strict configuration is enforced for every verb that builds the host: files that do not parse and values
/// that do not fit (<see cref="StrictConfiguration"/>) are reported one line each, before the binder could throw.
/// </summary>
internal static partial class ConfigurationGate
{
    /// <summary>The host builder, or null after the problems were written to <paramref name="error"/>.</summary>
    public static HostApplicationBuilder? CreateBuilder(IReadOnlyList<string> configurationArgs, TextWriter error)
    {
        HostApplicationBuilder builder;
        try
        {
            builder = PluginHostBuilder.Create(configurationArgs);
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"pluginhost: {FileError(e)}");
            return null;
        }
        return Report(StrictConfiguration.Check(builder.Configuration), error) ? builder : null;
    }

    /// <summary>
    /// The plugins' configured Settings against their manifests (<see cref="SettingsCheck"/>), once the host is built:
    /// false after the errors were written; the warnings are for the caller to log or print.
    /// </summary>
    public static bool CheckSettings(IServiceProvider services, TextWriter error, out IReadOnlyList<ConfigurationProblem> warnings)
    {
        var (errors, found) = SettingsCheck.Run(
            services.GetRequiredService<IOptions<PluginHostOptions>>().Value,
            services.GetRequiredService<PluginCatalog>().Discover(),
            services.GetRequiredService<IConfiguration>());
        warnings = found;
        return Report(errors, error);
    }

    /// <summary>Writes each problem as one line; true when there were none.</summary>
    public static bool Report(IReadOnlyList<ConfigurationProblem> problems, TextWriter error)
    {
        foreach (var problem in problems)
            error.WriteLine($"pluginhost: {problem}");
        return problems.Count == 0;
    }

    /// <summary>
    /// Range and consistency failures of the options validators, one line each, with the source of the key each names
    /// (validators word their failures with configuration keys: "PluginHost:Plugins:echo:Instances must be ...").
    /// </summary>
    public static void Report(OptionsValidationException invalid, IConfiguration configuration, TextWriter error)
    {
        foreach (var failure in invalid.Failures)
        {
            var key = ConfigurationKey().Match(failure);
            error.WriteLine(key.Success
                ? $"pluginhost: {ConfigurationSourceNames.Of(configuration, key.Value)}: {failure}"
                : $"pluginhost: {failure}");
        }
    }

    [GeneratedRegex(@"\b(PluginHost|Python)(:[^\s:;,']+)+")]
    private static partial Regex ConfigurationKey();

    /// <summary>The configuration files and other sources read, for the log line at start.</summary>
    public static string Sources(IConfiguration configuration) =>
        configuration is IConfigurationRoot root && ConfigurationSourceNames.Loaded(root) is { Count: > 0 } loaded
            ? string.Join(", ", loaded)
            : "none";

    // The file provider throws "Failed to load configuration from file '<path>'." around the JSON parser's error.
    internal static string FileError(InvalidDataException e)
    {
        var message = e.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        var path = start >= 0 && end > start ? message[(start + 1)..end] : "a configuration file";
        var cause = e.InnerException;
        while (cause is { InnerException: not null } && cause is not JsonException)
            cause = cause.InnerException;
        return cause switch
        {
            JsonException json => $"{path}: not valid JSON at line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}; expected a JSON object of sections and keys",
            null => $"{path}: cannot be read",
            _ => $"{path}: {cause.Message.ReplaceLineEndings(" ")}",
        };
    }

    // System.Text.Json appends " Path: $ | LineNumber: 0 | BytePositionInLine: 2." (said above in the operator's terms).
    private static string FirstSentence(string message)
    {
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at < 0) at = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (at < 0 ? message : message[..at]).TrimEnd('.', ' ').ReplaceLineEndings(" ");
    }
}
