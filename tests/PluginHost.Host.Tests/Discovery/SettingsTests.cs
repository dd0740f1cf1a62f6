using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Discovery;

public sealed class SettingsTests : IDisposable
{
    private const string Defaults = """
        "settings": {
          "greeting": "hello", "port": 8080, "ratio": 0.5, "verbose": false, "nothing": null,
          "hosts": ["a", "b"], "db": { "host": "localhost", "port": 5432 }, "huge": 123456789012345678901234567890
        }
        """;

    private readonly PluginFolders _folders = new();

    public SettingsTests() => _folders.ValidPlugin("plugins/echo", "echo", extra: Defaults);

    public void Dispose() => _folders.Dispose();

    private PluginDescriptor Discover(Dictionary<string, string?> overrides)
    {
        var options = new PluginHostOptions { PluginDirectories = ["plugins"] };
        options.Plugins["echo"] = new PluginOptions { Settings = new(overrides, StringComparer.OrdinalIgnoreCase) };
        return Assert.Single(new PluginCatalog(options, _folders.Root).Discover());
    }

    [Fact]
    public void ManifestDefaultsBecomePlainValues()
    {
        var settings = Discover([]).Settings;

        Assert.Equal("hello", settings["greeting"]);
        Assert.Equal(8080L, settings["port"]);
        Assert.Equal(0.5, settings["ratio"]);
        Assert.Equal(false, settings["verbose"]);
        Assert.Null(settings["nothing"]);
        Assert.Equal(new List<object?> { "a", "b" }, settings["hosts"]);
        Assert.Equal(new Dictionary<string, object?> { ["host"] = "localhost", ["port"] = 5432L }, settings["db"]);
        Assert.Equal(System.Numerics.BigInteger.Parse("123456789012345678901234567890"), settings["huge"]);
    }

    [Fact]
    public void OverridesAreTypedAfterTheManifestDefault()
    {
        var settings = Discover(new()
        {
            ["greeting"] = "42",
            ["port"] = "9090",
            ["ratio"] = "1.25",
            ["VERBOSE"] = "True",
            ["nothing"] = "something",
            ["extra"] = "7",
        }).Settings;

        Assert.Equal("42", settings["greeting"]);
        Assert.Equal(9090L, settings["port"]);
        Assert.Equal(1.25, settings["ratio"]);
        Assert.Equal(true, settings["verbose"]);
        Assert.False(settings.ContainsKey("VERBOSE"));
        Assert.Equal("something", settings["nothing"]);
        Assert.Equal("7", settings["extra"]);
    }

    [Fact]
    public void NestedKeysMergeIntoObjectsAndReplaceArrays()
    {
        var settings = Discover(new() { ["db:host"] = "db.internal", ["hosts:0"] = "x", ["hosts:1"] = "y", ["hosts:2"] = "z" }).Settings;

        Assert.Equal(new Dictionary<string, object?> { ["host"] = "db.internal", ["port"] = 5432L }, settings["db"]);
        Assert.Equal(new List<object?> { "x", "y", "z" }, settings["hosts"]);
    }

    [Fact]
    public void JsonTextOverridesAnArrayOrObject()
    {
        var settings = Discover(new() { ["hosts"] = """["only"]""", ["db"] = """{"host": "h"}""" }).Settings;

        Assert.Equal(new List<object?> { "only" }, settings["hosts"]);
        Assert.Equal(new Dictionary<string, object?> { ["host"] = "h" }, settings["db"]);
    }

    [Fact]
    public void OverrideThatDoesNotFitItsDefaultNamesTheKey()
    {
        var plugin = Discover(new() { ["port"] = "eighty", ["db:port"] = "x" });

        Assert.False(plugin.CanLoad);
        Assert.Contains("PluginHost:Plugins:echo:Settings:port: 'eighty' is not a number (the manifest's default is 8080)", plugin.LoadError);
        Assert.Contains("PluginHost:Plugins:echo:Settings:db:port: 'x' is not a number", plugin.LoadError);
    }

    [Fact]
    public void BooleanOverrideMustBeTrueOrFalse()
    {
        var plugin = Discover(new() { ["verbose"] = "yes" });

        Assert.Equal("PluginHost:Plugins:echo:Settings:verbose: 'yes' is not true or false (the manifest's default is false)", plugin.LoadError);
    }

    [Fact]
    public void NestedKeysUnderAScalarDefaultAreAnError()
    {
        var plugin = Discover(new() { ["port:inner"] = "1" });

        Assert.Equal("PluginHost:Plugins:echo:Settings:port has nested keys, but the manifest's default for it is a number", plugin.LoadError);
    }

    [Fact]
    public void FloatDefaultKeepsAWholeNumberOverrideAFloat()
    {
        var settings = Discover(new() { ["ratio"] = "2", ["port"] = "2.5" }).Settings;

        Assert.Equal(2.0, settings["ratio"]);
        Assert.Equal(2.5, settings["port"]);
    }
}
