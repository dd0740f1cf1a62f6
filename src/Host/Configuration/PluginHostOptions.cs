using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Configuration;

/// <summary>The host's settings, bound from the configuration section <c>PluginHost</c>.</summary>
internal sealed class PluginHostOptions : IValidatableObject
{
    public const string SectionName = "PluginHost";
    public const string DefaultPluginDirectory = "plugins";

    /// <summary>
    /// Folders whose immediate subfolders are plugins; relative paths are resolved against the content root (the
    /// current directory). Empty here on purpose: the configuration binder appends to a non-empty default list instead
    /// of replacing it, so ["plugins"] is filled in after binding when nothing was configured.
    /// </summary>
    public List<string> PluginDirectories { get; set; } = [];

    /// <summary>Per-plugin configuration by plugin name (<c>PluginHost:Plugins:&lt;name&gt;</c>).</summary>
    public Dictionary<string, PluginOptions> Plugins { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long stopping waits for all plugins before the host gives up on them.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long starting waits for all plugins to load.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many plugin instances may be starting at once; 0 (the default) means the processor count. 1 starts them
    /// one by one, in dependency order and then by name (the benchmark's sequential baseline).
    /// </summary>
    [Range(0, 4096)]
    public int MaxParallelStarts { get; set; }

    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long <c>pluginhost check</c> may import a plugin, and <c>validate</c> compile its files, before it is
    /// interrupted and the command fails (a loop at import must not hang a CI pipeline).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan CheckTimeout { get; set; } = DefaultCheckTimeout;

    /// <summary>How long one message handler may run before the host interrupts it with HandlerTimeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The restart policy for every plugin (<c>PluginHost:Restart</c>); a plugin's own section overrides it key by key.</summary>
    public RestartOptions Restart { get; set; } = new();

    public const int DefaultMaxOutputLineLength = 64 * 1024;

    /// <summary>
    /// The longest line of a plugin's output (print, sys.stderr) or logging record the host keeps, in characters; the
    /// rest of a longer one is dropped and counted in a marker. Bounds what one plugin can make the host hold and write.
    /// </summary>
    [Range(256, 1 << 24)]
    public int MaxOutputLineLength { get; set; } = DefaultMaxOutputLineLength;

    /// <summary>How often each instance's memory is sampled, on its own interpreter thread.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MemorySampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where the running host writes its instances' states every 2 s (relative: to the content root), for
    /// <c>pluginhost list</c> run with the same setting. Null: not written.
    /// </summary>
    public string? StatusFile { get; set; }

    /// <summary>Live changes: whether the settings files and plugin folders are watched, and how long to wait for quiet (<c>PluginHost:Reload</c>).</summary>
    [ValidateObjectMembers]
    public ReloadOptions Reload { get; set; } = new();

    /// <summary>The restart policy in force for <paramref name="plugin"/>.</summary>
    public RestartOptions RestartFor(string plugin) => Plugins.GetValueOrDefault(plugin)?.Restart ?? Restart;

    // Checks the generator cannot express: list items, dictionary keys and the values under them.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < PluginDirectories.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(PluginDirectories[i]))
                yield return Failure($"{SectionName}:{nameof(PluginDirectories)}:{i} is empty; give a folder path.");
        }

        foreach (var failure in Restart.Check($"{SectionName}:{nameof(Restart)}"))
            yield return Failure(failure);

        foreach (var (name, plugin) in Plugins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = $"{SectionName}:{nameof(Plugins)}:{name}";
            if (PluginNames.Problem(name) is { } problem)
                yield return Failure($"{key}: {problem}, as in plugin.json.");
            if (plugin.Instances is < PluginOptions.MinInstances or > PluginOptions.MaxInstances)
                yield return Failure($"{key}:{nameof(PluginOptions.Instances)} must be between {PluginOptions.MinInstances} and {PluginOptions.MaxInstances}; it is {plugin.Instances}.");
            if (plugin.MaxConcurrency is < 1 or > PluginOptions.MaxMaxConcurrency)
                yield return Failure($"{key}:{nameof(PluginOptions.MaxConcurrency)} must be a whole number between 1 and {PluginOptions.MaxMaxConcurrency}; it is {plugin.MaxConcurrency}.");
            if (plugin.Path is not null && string.IsNullOrWhiteSpace(plugin.Path))
                yield return Failure($"{key}:{nameof(PluginOptions.Path)} is empty; give the plugin's folder or remove the key.");
            if (plugin.MemoryLimitMiB is <= 0 or > 1 << 20)
                yield return Failure($"{key}:{nameof(PluginOptions.MemoryLimitMiB)} must be between 1 and 1048576 (or absent: no limit); it is {plugin.MemoryLimitMiB}.");
            foreach (var failure in plugin.Restart?.Check($"{key}:{nameof(PluginOptions.Restart)}") ?? [])
                yield return Failure(failure);
        }
    }

    private static ValidationResult Failure(string message) => new(message);
}
