namespace PluginHost.Host.Tests.Manifest;

/// <summary>A temporary folder of real plugin folders with real plugin.json files, deleted on dispose.</summary>
internal sealed class PluginFolders : IDisposable
{
    public PluginFolders()
    {
        Root = Path.Combine(Path.GetTempPath(), "pluginhost-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>plugin.json text with the required fields; <paramref name="extra"/> is appended as more properties.</summary>
    public static string Manifest(string name, string version = "1.0.0", string entry = "main", string? extra = null) =>
        $$"""{ "name": "{{name}}", "version": "{{version}}", "entry": "{{entry}}"{{(extra is null ? "" : ", " + extra)}} }""";

    /// <summary>Creates <c>Root/relativeFolder</c> with plugin.json (unless null) and the given files (empty Python modules).</summary>
    public string Plugin(string relativeFolder, string? manifest, params string[] files)
    {
        var folder = Path.Combine(Root, relativeFolder);
        Directory.CreateDirectory(folder);
        if (manifest is not null)
            File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest);
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
        }
        return folder;
    }

    /// <summary>A valid plugin named <paramref name="name"/> with a main.py, in <c>Root/relativeFolder</c>.</summary>
    public string ValidPlugin(string relativeFolder, string name, string? extra = null) =>
        Plugin(relativeFolder, Manifest(name, extra: extra), "main.py");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}
