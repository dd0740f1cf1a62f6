using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginHost.Host.Lifecycle;

/// <summary>What a running host last wrote to <c>PluginHost:StatusFile</c>: its instances' states, for <c>pluginhost list</c>.</summary>
internal sealed record HostStatus(DateTimeOffset Written, int ProcessId, IReadOnlyList<PluginStatus> Instances);

/// <summary>
/// The status file: written whole to a temporary file and renamed over the old one, so a reader never sees half of it.
/// A worker service has no endpoint to ask; this file is how another process (the <c>list</c> command) learns the states.
/// </summary>
internal static class StatusFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Write(string path, HostStatus status)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(status, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The last status written to <paramref name="path"/>; null when there is none or it cannot be read.</summary>
    public static HostStatus? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<HostStatus>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
