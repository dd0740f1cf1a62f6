using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.Configuration.Strict;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// The configuration as it is now, read and checked as a start checks it — files that parse, strict keys and values,
/// the options validator, plugin settings and configured capabilities — so a live change is accepted or rejected whole.
/// </summary>
internal sealed record LiveConfiguration(PluginHostOptions? Options, DiscoveryResult? Discovery, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings)
{
    public static LiveConfiguration Read(IConfiguration configuration, string contentRoot)
    {
        // A settings file that fails to parse on reload is read as empty by the framework: never take that as meant.
        var problems = UnreadableFiles(configuration).ToList();
        problems.AddRange(StrictConfiguration.Check(configuration).Select(p => p.ToString()));
        if (problems.Count > 0)
            return Rejected(problems);
        var options = new PluginHostOptions();
        try
        {
            configuration.GetSection(PluginHostOptions.SectionName).Bind(options);
            PluginSettingsBinding.Complete(options, configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            return Rejected([e.Message]);
        }
        if (new PluginHostOptionsValidator().Validate(null, options) is { Failed: true } invalid)
            return Rejected([.. invalid.Failures!]);
        var discovery = new PluginCatalog(options, contentRoot).Scan();
        var (errors, warnings) = SettingsCheck.Run(options, discovery.Plugins, configuration);
        problems.AddRange(errors.Select(e => e.ToString()));
        // A configured capability list is configuration (rejected); plugin.json's is the plugin's (that plugin does not load).
        var plugins = new List<PluginDescriptor>();
        foreach (var plugin in discovery.Plugins)
        {
            var configured = options.Plugins.GetValueOrDefault(plugin.Name)?.Capabilities;
            if (plugin.CanLoad && CapabilityCheck.Error(plugin, configured) is { } error)
            {
                if (configured is not null)
                    problems.Add($"{PluginHostOptions.SectionName}:Plugins:{plugin.Name}:Capabilities: {error}");
                plugins.Add(plugin with { LoadError = error });
            }
            else
            {
                plugins.Add(plugin);
            }
        }
        return problems.Count > 0
            ? Rejected(problems)
            : new LiveConfiguration(options, discovery with { Plugins = plugins }, [], [.. warnings.Select(w => w.ToString())]);
    }

    private static LiveConfiguration Rejected(IReadOnlyList<string> problems) => new(null, null, problems, []);

    private static IEnumerable<string> UnreadableFiles(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
            yield break;
        foreach (var source in root.Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source))
        {
            if (source.Path is not { } path || source.FileProvider?.GetFileInfo(path) is not { Exists: true, PhysicalPath: { } file })
                continue;
            string? problem = null;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException e)
            {
                problem = ConfigurationGate.FileError(new InvalidDataException($"Failed to load configuration from file '{file}'.", e));
            }
            catch (IOException e)
            {
                problem = $"{file}: cannot be read: {e.Message}";
            }
            if (problem is not null)
                yield return problem;
        }
    }
}
