using System.Text.Json;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Tests.Manifest;

public sealed class ManifestReaderTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void GoodManifestIsReadWithEveryField()
    {
        var folder = _folders.Plugin("echo", """
            {
              "$schema": "../../docs/plugin-manifest.schema.json",
              "name": "echo",
              "version": "1.2.3-rc.1+build.5",
              "entry": "main",
              "description": "Echoes what it gets.",
              "instances": 3,
              "settings": { "greeting": "hi", "port": 8080, "verbose": false, "hosts": ["a"] },
              "subscriptions": ["echo.*"],
              "capabilities": ["network"]
            }
            """, "main.py");

        var result = ManifestReader.Read(folder);

        Assert.True(result.IsValid, result.ErrorText);
        var manifest = result.Manifest!;
        Assert.Equal("echo", manifest.Name);
        Assert.Equal("1.2.3-rc.1+build.5", manifest.Version);
        Assert.Equal("main", manifest.Entry);
        Assert.Equal("Echoes what it gets.", manifest.Description);
        Assert.Equal(3, manifest.Instances);
        Assert.Equal(8080, manifest.Settings["port"].GetInt32());
        Assert.Equal(JsonValueKind.False, manifest.Settings["verbose"].ValueKind);
        Assert.Equal(["echo.*"], manifest.Subscriptions);
        Assert.Equal(["network"], manifest.Capabilities);
    }

    [Fact]
    public void MinimalManifestGetsTheDefaults()
    {
        var result = ManifestReader.Read(_folders.ValidPlugin("min", "min"));

        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal(1, result.Manifest!.Instances);
        Assert.Null(result.Manifest.Description);
        Assert.Empty(result.Manifest.Settings);
        Assert.Empty(result.Manifest.Subscriptions);
        Assert.Empty(result.Manifest.Capabilities);
    }

    [Fact]
    public void FolderWithoutPluginJsonIsReported()
    {
        var folder = _folders.Plugin("bare", manifest: null, "main.py");

        var result = ManifestReader.Read(folder);

        Assert.Null(result.Manifest);
        Assert.Equal($"no plugin.json in {folder}", Assert.Single(result.Errors));
    }

    [Fact]
    public void InvalidJsonIsReportedWithLineAndColumn()
    {
        var folder = _folders.Plugin("broken", "{\n  \"name\": \"broken\",\n  version: 1\n}", "main.py");

        var error = Assert.Single(ManifestReader.Read(folder).Errors);

        Assert.StartsWith("plugin.json is not valid JSON at line 3, column 3: ", error);
        Assert.DoesNotContain("LineNumber", error);
    }

    [Fact]
    public void MissingNameIsASchemaViolationAtTheRoot()
    {
        var result = ManifestReader.Read(_folders.Plugin("noname", """{ "version": "1.0.0", "entry": "main" }""", "main.py"));

        Assert.Null(result.Manifest);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("plugin.json (root): ", error);
        Assert.Contains("\"name\"", error);
    }

    [Fact]
    public void InstancesOutOfRangeIsReportedWithItsPath()
    {
        var result = ManifestReader.Read(_folders.Plugin("zero", PluginFolders.Manifest("zero", extra: "\"instances\": 0"), "main.py"));

        Assert.Equal("plugin.json /instances: 0 should be at least 1", Assert.Single(result.Errors));
    }

    [Fact]
    public void UnknownPropertyIsRefusedAndTheAllowedOnesNamed()
    {
        var result = ManifestReader.Read(_folders.Plugin("typo", PluginFolders.Manifest("typo", extra: "\"instance\": 2"), "main.py"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("plugin.json /instance: unknown property; allowed: ", error);
        Assert.Contains("instances", error);
    }

    [Fact]
    public void EveryViolationIsListed()
    {
        var manifest = """{ "name": "Bad Name", "version": "one", "entry": "main", "instances": 65, "settings": [] }""";

        var errors = ManifestReader.Read(_folders.Plugin("many", manifest, "main.py")).Errors;

        Assert.Contains(errors, e => e == "plugin.json /name: \"Bad Name\" is not a plugin name: a lowercase letter, then up to 63 lowercase letters, digits, '_', '.' or '-'");
        Assert.Contains(errors, e => e == "plugin.json /version: \"one\" is not a semantic version such as 1.0.0 or 2.1.0-rc.1");
        Assert.Contains(errors, e => e.StartsWith("plugin.json /instances: ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("plugin.json /settings: ", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData("pluginhost")]
    [InlineData("host")]
    public void NamesTheHostSendsUnderAreReserved(string name)
    {
        var result = ManifestReader.Read(_folders.Plugin(name, PluginFolders.Manifest(name), "main.py"));

        Assert.Null(result.Manifest);
        Assert.Equal($"plugin.json /name: \"{name}\" is reserved: the host itself sends messages under it (dead letters come from 'pluginhost'; .NET subscribers are 'host#<n>')",
            Assert.Single(result.Errors));
    }

    [Fact]
    public void NamesMerelyStartingLikeAReservedOneAreFine() =>
        Assert.Empty(ManifestReader.Read(_folders.Plugin("pluginhost-tools", PluginFolders.Manifest("pluginhost-tools"), "main.py")).Errors);

    [Fact]
    public void TheSchemaReservesWhatTheHostReserves()
    {
        using var schema = JsonDocument.Parse(ManifestSchema.Text);
        var reserved = schema.RootElement.GetProperty("properties").GetProperty("name").GetProperty("not").GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString());

        Assert.Equal(PluginNames.Reserved, reserved);
    }

    [Fact]
    public void MissingEntryModuleIsReportedButTheManifestKept()
    {
        var folder = _folders.Plugin("noentry", PluginFolders.Manifest("noentry", entry: "app.run"), "main.py");

        var result = ManifestReader.Read(folder);

        Assert.False(result.IsValid);
        Assert.Equal("noentry", result.Manifest?.Name);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("entry module 'app.run' not found: expected ", error);
        Assert.Contains(Path.Combine(folder, "app", "run.py"), error);
        Assert.Contains(Path.Combine(folder, "app", "run", "__init__.py"), error);
    }

    [Theory]
    [InlineData("main", "main.py")]
    [InlineData("app", "app/__init__.py")]
    [InlineData("mypkg.plugin", "mypkg/plugin.py")]
    [InlineData("mypkg.plugin", "mypkg/plugin/__init__.py")]
    public void EntryModuleMayBeAModuleOrAPackage(string entry, string file)
    {
        var result = ManifestReader.Read(_folders.Plugin("entry", PluginFolders.Manifest("entry", entry: entry), file));

        Assert.True(result.IsValid, result.ErrorText);
    }

    [Fact]
    public void EntryModuleOutsideThePluginFolderDoesNotCount()
    {
        _folders.Plugin("", manifest: null, "main.py");
        var folder = _folders.Plugin("inner", PluginFolders.Manifest("inner"));

        Assert.False(ManifestReader.Read(folder).IsValid);
    }

    [Fact]
    public void EntryThatIsNoModuleNameIsExplained()
    {
        var result = ManifestReader.Read(_folders.Plugin("path", PluginFolders.Manifest("path", entry: "src/main.py"), "main.py"));

        Assert.Equal("plugin.json /entry: \"src/main.py\" is not a Python module name such as main or mypkg.plugin", Assert.Single(result.Errors));
    }
}
