namespace PluginHost.Tests.Shared;

/// <summary>Paths in the checkout the tests were built from (its docs, plugins, SDK and test fixtures).</summary>
public static class Repository
{
    /// <summary>The checkout's root: the first folder above the test binaries that holds docs/ and src/.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path below <see cref="Root"/>, e.g. <c>Repository.Path("docs", "reliability.md")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "docs")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "src")))
                return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (with docs/ and src/) was not found above " + AppContext.BaseDirectory);
    }
}
