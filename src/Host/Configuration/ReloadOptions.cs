using System.ComponentModel.DataAnnotations;

namespace PluginHost.Host.Configuration;

/// <summary>
/// How the running host notices configuration and plugin changes (<c>PluginHost:Reload</c>, docs/configuration.md#live-changes).
/// SIGHUP re-reads both whatever these say.
/// </summary>
internal sealed class ReloadOptions
{
    /// <summary>Watch appsettings*.json and the plugin folders, and apply changes as they are saved. False: only SIGHUP applies them.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>
    /// How long the files must stay quiet before a change is applied: a deployment that copies many files is applied
    /// once, whole, not file by file.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);
}
