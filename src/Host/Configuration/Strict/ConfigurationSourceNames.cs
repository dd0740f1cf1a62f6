using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace PluginHost.Host.Configuration.Strict;

/// <summary>Names where a configuration value came from, the way an operator would look for it: a file path, an environment variable, the command line.</summary>
internal static class ConfigurationSourceNames
{
    /// <summary>The source whose value for <paramref name="key"/> wins (the last provider that has it), or of the first value below it.</summary>
    public static string Of(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
            return "configuration";
        foreach (var provider in root.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
                return Describe(provider, key);
        }
        // A section has no value of its own: name the source of its first value.
        var leaf = configuration.GetSection(key).AsEnumerable().FirstOrDefault(p => p.Value is not null).Key;
        return leaf is null || string.Equals(leaf, key, StringComparison.OrdinalIgnoreCase) ? "configuration" : Of(configuration, leaf);
    }

    /// <summary>
    /// The application's sources in order (see PluginHostConfiguration): the files found and read, the environment
    /// variables, the command line. The host's own before them (DOTNET_ variables, its arguments) are left out.
    /// </summary>
    public static IReadOnlyList<string> Loaded(IConfigurationRoot root)
    {
        var names = new List<string>();
        foreach (var provider in root.Providers.SkipWhile(p => p is not JsonConfigurationProvider))
        {
            var name = provider switch
            {
                JsonConfigurationProvider json when FilePath(json) is { } path && File.Exists(path) => path,
                JsonConfigurationProvider => null,   // optional and absent
                EnvironmentVariablesConfigurationProvider => $"environment variables {Prefix(provider)}*",
                CommandLineConfigurationProvider => "command line",
                _ => provider.ToString(),
            };
            if (name is not null) names.Add(name);
        }
        return names;
    }

    public static string? FilePath(JsonConfigurationProvider provider) =>
        provider.Source.Path is not { } path ? null : provider.Source.FileProvider?.GetFileInfo(path).PhysicalPath ?? path;

    private static string Describe(IConfigurationProvider provider, string key) => provider switch
    {
        JsonConfigurationProvider json => FilePath(json) ?? "a JSON file",
        EnvironmentVariablesConfigurationProvider => $"environment variable {EnvironmentVariable(provider, key)}",
        CommandLineConfigurationProvider => "command line",
        _ => provider.ToString() ?? "configuration",
    };

    // "EnvironmentVariablesConfigurationProvider Prefix: 'PLUGINHOST_'" is how the provider names itself.
    private static string Prefix(IConfigurationProvider provider)
    {
        var text = provider.ToString() ?? "";
        var start = text.IndexOf('\'', StringComparison.Ordinal);
        var end = text.LastIndexOf('\'');
        return start >= 0 && end > start ? text[(start + 1)..end] : "";
    }

    // The variable as it is spelt in the environment (case, and __ or : for the separator).
    private static string EnvironmentVariable(IConfigurationProvider provider, string key)
    {
        var prefix = Prefix(provider);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && string.Equals(name[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), key, StringComparison.OrdinalIgnoreCase))
                return name;
        }
        return prefix + key.Replace(":", "__", StringComparison.Ordinal);
    }
}
