namespace PluginHost.Host.Tests.RedTeam;

/// <summary>Where the red team's plugins are (tests/RedTeam), and how one is laid out in a test's plugin folder.</summary>
internal static class RedTeamFolders
{
    public static string Root { get; } = Repository.Path("tests", "RedTeam");

    /// <summary>Every hostile plugin, by folder name.</summary>
    public static IEnumerable<string> Hostile() =>
        Directory.EnumerateDirectories(Path.Combine(Root, "hostile")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="target"/>, keeping symlinks as symlinks (a hostile plugin
    /// ships them), and gives it the shared redteam.py in its lib/.
    /// </summary>
    public static void Install(string source, string target, bool hostile)
    {
        Copy(new DirectoryInfo(source), target);
        if (hostile)
        {
            Directory.CreateDirectory(Path.Combine(target, "lib"));
            File.Copy(Path.Combine(Root, "common", "redteam.py"), Path.Combine(target, "lib", "redteam.py"), overwrite: true);
        }
    }

    private static void Copy(DirectoryInfo source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
                File.CreateSymbolicLink(destination, link);
            else if (entry is DirectoryInfo directory)
                Copy(directory, destination);
            else if (entry.Name != "__pycache__")
                File.Copy(entry.FullName, destination);
        }
    }
}
