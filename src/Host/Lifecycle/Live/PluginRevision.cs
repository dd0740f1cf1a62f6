using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// What a plugin's running instances were started from: its manifest version, a hash of its code files, and the
/// configuration values an instance reads at start. Two revisions that differ mean its instances must be replaced;
/// the instance count is not part of it (scaling adds or removes instances, it does not replace them).
/// </summary>
internal sealed record PluginRevision(string Version, string Code, IReadOnlyDictionary<string, string> Configuration)
{
    public static PluginRevision Of(PluginDescriptor descriptor, PluginHostOptions options) =>
        new(descriptor.Manifest?.Version ?? "?", CodeHash(descriptor.Folder), ConfigurationOf(descriptor, options));

    /// <summary>Why <paramref name="next"/> replaces this revision, in the operator's words; null when nothing changed.</summary>
    public string? ChangeTo(PluginRevision next)
    {
        var reasons = new List<string>();
        if (Version != next.Version)
            reasons.Add($"version {Version} → {next.Version}");
        else if (Code != next.Code)
            reasons.Add("its code files changed");
        var keys = Configuration.Keys.Union(next.Configuration.Keys)
            .Where(k => Configuration.GetValueOrDefault(k) != next.Configuration.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal).ToList();
        if (keys.Count > 0)
            reasons.Add($"configuration changed: {string.Join(", ", keys)}");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    public bool SameCode(PluginRevision other) => Version == other.Version && Code == other.Code;

    /// <summary>
    /// The files that make up a plugin's code: plugin.json, every Python source or extension module, and everything
    /// under lib/ and dotnet/. Data files elsewhere in the folder (a watched inbox, a CSV it reads) are not code:
    /// changing them upgrades nothing. Bytecode caches never count.
    /// </summary>
    public static bool IsCode(string relativePath)
    {
        var parts = relativePath.Split(Path.DirectorySeparatorChar);
        if (parts.Contains("__pycache__"))
            return false;
        if (parts.Length > 1 && parts[0] is "lib" or "dotnet")
            return true;
        return relativePath == "plugin.json" || Path.GetExtension(relativePath) is ".py" or ".so" or ".pth";
    }

    // Walks no symbolic link (a plugin's folder may link to / or to a FIFO) and reads no file: each code file's path,
    // size and modification time stand for it, as rsync and make judge a file. At most MaxFiles are looked at.
    private static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
    };

    private const int MaxFiles = 100_000;

    private static string CodeHash(string folder)
    {
        if (!Directory.Exists(folder))
            return "";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = new DirectoryInfo(folder).EnumerateFiles("*", Walk)
            .Take(MaxFiles)
            .Select(f => (Path: Path.GetRelativePath(folder, f.FullName), File: f))
            .Where(f => IsCode(f.Path))
            .OrderBy(f => f.Path, StringComparer.Ordinal);
        Span<byte> stamp = stackalloc byte[16];
        foreach (var (path, file) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path + "\0"));
            BitConverter.TryWriteBytes(stamp, file.Length);
            BitConverter.TryWriteBytes(stamp[8..], file.LastWriteTimeUtc.Ticks);
            hash.AppendData(stamp);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    // What a new instance of this plugin takes from configuration, each as JSON text under the key an operator sets.
    private static Dictionary<string, string> ConfigurationOf(PluginDescriptor descriptor, PluginHostOptions options)
    {
        var plugin = options.Plugins.GetValueOrDefault(descriptor.Name) ?? new PluginOptions();
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Capabilities"] = Json(plugin.Capabilities),
            ["Isolation"] = Json(plugin.Isolation),
            ["MemoryLimitMiB"] = Json(plugin.MemoryLimitMiB),
            ["Restart"] = Json(options.RestartFor(descriptor.Name)),
            ["StartTimeout"] = Json(options.StartTimeout),
            ["HandlerTimeout"] = Json(options.HandlerTimeout),
            ["MemorySampleInterval"] = Json(options.MemorySampleInterval),
            ["MaxOutputLineLength"] = Json(options.MaxOutputLineLength),
        };
        foreach (var (key, value) in descriptor.Settings)
            values[$"Settings:{key}"] = Json(value);
        return values;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
