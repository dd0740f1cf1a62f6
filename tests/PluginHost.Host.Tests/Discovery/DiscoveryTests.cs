using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Discovery;

public sealed class DiscoveryTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private PluginHostOptions Options(params string[] directories) => new() { PluginDirectories = [.. directories] };

    private IReadOnlyList<PluginDescriptor> Discover(PluginHostOptions options) =>
        new PluginCatalog(options, _folders.Root).Discover();

    [Fact]
    public void SubfoldersWithManifestsArePluginsOrderedByName()
    {
        _folders.ValidPlugin("plugins/zeta", "zeta");
        _folders.ValidPlugin("plugins/alpha-folder", "alpha");
        _folders.Plugin("plugins/__pycache__", manifest: null, "main.cpython-313.pyc");
        _folders.Plugin("plugins/data", manifest: null, "readme.txt");

        var plugins = Discover(Options("plugins"));

        Assert.Equal(["alpha", "zeta"], plugins.Select(p => p.Name));
        var alpha = plugins[0];
        Assert.Equal(Path.Combine(_folders.Root, "plugins", "alpha-folder"), alpha.Folder);
        Assert.True(alpha.CanLoad);
        Assert.Equal("1.0.0", alpha.Manifest?.Version);
        Assert.Equal(1, alpha.Instances);
    }

    [Fact]
    public void FolderWithPythonButNoManifestIsReported()
    {
        var folder = _folders.Plugin("plugins/loose", manifest: null, "main.py");

        var plugin = Assert.Single(Discover(Options("plugins")));

        Assert.Equal("loose", plugin.Name);
        Assert.Null(plugin.Manifest);
        Assert.Equal($"no plugin.json in {folder}", plugin.LoadError);
        Assert.False(plugin.CanLoad);
    }

    [Fact]
    public void InvalidManifestIsNamedAfterItsFolder()
    {
        _folders.Plugin("plugins/broken", PluginFolders.Manifest("broken", extra: "\"instances\": 0"), "main.py");

        var plugin = Assert.Single(Discover(Options("plugins")));

        Assert.Equal("broken", plugin.Name);
        Assert.Null(plugin.Manifest);
        Assert.Contains("/instances", plugin.LoadError);
    }

    [Fact]
    public void SecondPluginWithTheSameNameNamesBothFolders()
    {
        var first = _folders.ValidPlugin("one/echo", "echo");
        var second = _folders.ValidPlugin("two/echo", "echo");

        var plugins = Discover(Options("one", "two"));

        Assert.Equal(2, plugins.Count);
        Assert.Null(plugins[0].LoadError);
        Assert.Equal(first, plugins[0].Folder);
        Assert.Equal(second, plugins[1].Folder);
        Assert.Equal($"duplicate plugin name 'echo': {second} and {first} both declare it; {first} is used", plugins[1].LoadError);
    }

    [Fact]
    public void ConfigurationCanDisableAPlugin()
    {
        _folders.ValidPlugin("plugins/echo", "echo");
        var options = Options("plugins");
        options.Plugins["echo"] = new PluginOptions { Enabled = false };

        var plugin = Assert.Single(Discover(options));

        Assert.False(plugin.Enabled);
        Assert.Null(plugin.LoadError);
        Assert.False(plugin.CanLoad);
    }

    [Fact]
    public void ConfigurationOverridesInstances()
    {
        _folders.ValidPlugin("plugins/echo", "echo", extra: "\"instances\": 2");
        var options = Options("plugins");
        options.Plugins["echo"] = new PluginOptions { Instances = 5 };

        Assert.Equal(5, Assert.Single(Discover(options)).Instances);
    }

    [Fact]
    public void ExplicitPathFindsAPluginOutsideThePluginDirectories()
    {
        var folder = _folders.ValidPlugin("elsewhere/special", "special");
        var options = Options("plugins");
        options.Plugins["special"] = new PluginOptions { Path = "elsewhere/special" };

        var plugin = Assert.Single(Discover(options));

        Assert.Equal("special", plugin.Name);
        Assert.Equal(folder, plugin.Folder);
        Assert.True(plugin.CanLoad, plugin.LoadError);
    }

    [Fact]
    public void ExplicitPathWinsTheNameOverAScannedFolder()
    {
        var scanned = _folders.ValidPlugin("plugins/echo", "echo");
        var chosen = _folders.ValidPlugin("custom/echo", "echo");
        var options = Options("plugins");
        options.Plugins["echo"] = new PluginOptions { Path = chosen };

        var plugins = Discover(options);

        Assert.Equal(chosen, plugins[0].Folder);
        Assert.Null(plugins[0].LoadError);
        Assert.Contains($"{scanned} and {chosen} both declare it", plugins[1].LoadError);
    }

    [Fact]
    public void ExplicitPathWhoseManifestNamesAnotherPluginIsAnError()
    {
        _folders.ValidPlugin("custom/other", "other");
        var options = Options("plugins");
        options.Plugins["echo"] = new PluginOptions { Path = "custom/other" };

        var plugin = Assert.Single(Discover(options));

        Assert.Equal("echo", plugin.Name);
        Assert.Contains("but its plugin.json names 'other'", plugin.LoadError);
    }

    [Fact]
    public void ConfiguredPluginThatIsNowhereIsReported()
    {
        var options = Options("plugins");
        options.Plugins["ghost"] = new PluginOptions();

        var plugin = Assert.Single(Discover(options));

        Assert.Equal("ghost", plugin.Name);
        Assert.StartsWith("configured but not found: no plugin named 'ghost' in ", plugin.LoadError);
        Assert.Contains("PluginHost:Plugins:ghost:Path", plugin.LoadError);
    }

    [Fact]
    public void ExplicitPathThatDoesNotExistIsReported()
    {
        var options = Options("plugins");
        options.Plugins["ghost"] = new PluginOptions { Path = "nowhere" };

        var plugin = Assert.Single(Discover(options));

        Assert.Equal($"plugin folder {Path.Combine(_folders.Root, "nowhere")} does not exist", plugin.LoadError);
    }

    [Fact]
    public void MissingPluginDirectoryIsAWarningNotAPlugin()
    {
        var result = new PluginCatalog(Options("plugins"), _folders.Root).Scan();

        Assert.Empty(result.Plugins);
        Assert.Equal($"plugin directory {Path.Combine(_folders.Root, "plugins")} does not exist", Assert.Single(result.Warnings));
    }

    [Fact]
    public void UnreadableManifestDoesNotTakeTheNameOfAValidPlugin()
    {
        _folders.Plugin("a/echo", "{ broken", "main.py");
        var valid = _folders.ValidPlugin("b/echo-2", "echo");

        var plugins = Discover(Options("a", "b"));

        Assert.Equal(2, plugins.Count);
        var echo = Assert.Single(plugins, p => p.CanLoad);
        Assert.Equal(valid, echo.Folder);
        Assert.All(plugins, p => Assert.DoesNotContain("duplicate", p.LoadError ?? ""));
    }

    [Fact]
    public void ConfigurationAppliesToAPluginKnownOnlyByItsFolderName()
    {
        _folders.Plugin("plugins/echo", "{ broken", "main.py");
        var options = Options("plugins");
        options.Plugins["echo"] = new PluginOptions { Enabled = false };

        var plugin = Assert.Single(Discover(options));

        Assert.False(plugin.Enabled);
        Assert.StartsWith("plugin.json is not valid JSON", plugin.LoadError);
    }
}
