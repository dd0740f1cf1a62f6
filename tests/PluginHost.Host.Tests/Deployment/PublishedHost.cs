using System.Diagnostics;

namespace PluginHost.Host.Tests.Deployment;

/// <summary>
/// src/Host published once into a temporary folder, as docs/deployment.md says to deploy it, and shared by the
/// deployment tests. <c>--no-build</c>: it publishes the build under test (scripts/test.sh builds first) and does not
/// write into build output that other test projects may be reading.
/// </summary>
public sealed class PublishedHost : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pluginhost-deploy-");

    public PublishedHost()
    {
        Folder = Path.Combine(_root.FullName, "app");
        var publish = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "publish", Repository.Path("src", "Host", "PluginHost.Host.csproj"), "-c", Configuration, "--no-build", "-o", Folder, "--nologo", "-v", "quiet" })
            publish.ArgumentList.Add(arg);
        using var process = Process.Start(publish)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish did not finish within 3 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish exited {process.ExitCode}:\n{output.Result}\n{errors.Result}");
    }

    /// <summary>The published folder: the native launcher <c>pluginhost</c>, the assemblies, appsettings.json.</summary>
    public string Folder { get; }

    public string Launcher => Path.Combine(Folder, "pluginhost");

    /// <summary>
    /// A new working directory outside the published folder (the content root of a deployment) holding a copy of the
    /// repository's sample plugins under <c>plugins/</c>, the default <c>PluginHost:PluginDirectories</c>.
    /// </summary>
    public string NewSite()
    {
        var site = Directory.CreateDirectory(Path.Combine(_root.FullName, "site-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        Copy(Repository.Path("plugins"), Path.Combine(site, "plugins"));
        return site;
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            // Build output of text-tools' .NET project (src/bin, src/obj) is not part of the plugin; its dotnet/ is.
            if (Path.GetFileName(folder) is not ("bin" or "obj" or "__pycache__"))
                Copy(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PublishedHostCollection : ICollectionFixture<PublishedHost>
{
    public const string Name = "published host";
}
