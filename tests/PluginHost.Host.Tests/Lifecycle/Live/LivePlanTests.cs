using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle.Live;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;
using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Lifecycle.Live;

/// <summary>What a live change does to each plugin, from what runs and what discovery finds now (real folders on disk).</summary>
public sealed class LivePlanTests : IDisposable
{
    private readonly PluginFolders _folders = new();
    private readonly PluginHostOptions _options = new();

    public void Dispose() => _folders.Dispose();

    private PluginDescriptor Plugin(string name, string version = "1.0.0", int instances = 1, bool enabled = true, string? loadError = null, string code = "x = 1\n")
    {
        var folder = Path.Combine(_folders.Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), PluginFolders.Manifest(name, version));
        File.WriteAllText(Path.Combine(folder, "main.py"), code);
        var manifest = new PluginManifest { Name = name, Version = version, Entry = "main" };
        return new PluginDescriptor(name, folder, manifest, new Dictionary<string, object?>(), instances, enabled, loadError);
    }

    private IReadOnlyList<PluginChange> Compare(IEnumerable<PluginDescriptor> running, IReadOnlyList<PluginDescriptor> next, Dictionary<string, PluginRevision>? rejected = null) =>
        LivePlan.Compare(running.ToDictionary(d => d.Name, d => (d, PluginRevision.Of(d, _options))), next, d => PluginRevision.Of(d, _options), rejected ?? []);

    [Fact]
    public void NothingChangedIsNoChange()
    {
        var a = Plugin("a");
        Assert.Empty(Compare([a], [a]));
    }

    [Fact]
    public void EachKindOfChangeIsFoundForItsOwnPluginOnly()
    {
        var (scaled, disabled, broken, untouched) = (Plugin("scaled"), Plugin("disabled"), Plugin("broken"), Plugin("untouched"));
        var gone = Plugin("gone");
        var upgraded = Plugin("upgraded");
        var changes = Compare([scaled, disabled, broken, untouched, gone, upgraded], [
            scaled with { Instances = 3 },
            disabled with { Enabled = false },
            broken with { LoadError = "plugin.json: not valid JSON" },
            untouched,
            Plugin("upgraded", version: "2.0.0"),
            Plugin("added"),
        ]);
        Assert.Equal(
            [("added", ChangeKind.Add), ("broken", ChangeKind.Reject), ("disabled", ChangeKind.Remove), ("gone", ChangeKind.Remove), ("scaled", ChangeKind.Scale), ("upgraded", ChangeKind.Replace)],
            changes.Select(c => (c.Plugin, c.Kind)).OrderBy(c => c.Plugin, StringComparer.Ordinal));
        Assert.Equal("version 1.0.0 → 2.0.0", changes.Single(c => c.Plugin == "upgraded").Why);
    }

    [Fact]
    public void CodeChangesWithoutAVersionBumpAndSettingsChangesReplace()
    {
        var a = Plugin("a");
        var running = PluginRevision.Of(a, _options);
        var edited = Plugin("a", code: "x = 22\n");   // a file counts as changed by its size or modification time
        Assert.Equal("its code files changed", running.ChangeTo(PluginRevision.Of(edited, _options)));
        var configured = edited with { Settings = new Dictionary<string, object?> { ["greeting"] = "bonjour" } };
        Assert.Contains("configuration changed: Settings:greeting", PluginRevision.Of(edited, _options).ChangeTo(PluginRevision.Of(configured, _options)));
    }

    [Fact]
    public void DataFilesAndBytecodeCachesAreNotCode()
    {
        var a = Plugin("a");
        var before = PluginRevision.Of(a, _options);
        Directory.CreateDirectory(Path.Combine(a.Folder, "inbox"));
        File.WriteAllText(Path.Combine(a.Folder, "inbox", "order.json"), "{}");
        File.WriteAllText(Path.Combine(a.Folder, "data.csv"), "1,2");
        Directory.CreateDirectory(Path.Combine(a.Folder, "__pycache__"));
        File.WriteAllText(Path.Combine(a.Folder, "__pycache__", "main.cpython-313.pyc"), "cache");
        Assert.Null(before.ChangeTo(PluginRevision.Of(a, _options)));
        Directory.CreateDirectory(Path.Combine(a.Folder, "lib"));
        File.WriteAllText(Path.Combine(a.Folder, "lib", "helper.txt"), "package data");
        Assert.Equal("its code files changed", before.ChangeTo(PluginRevision.Of(a, _options)));
    }

    [Fact]
    public void ARolledBackRevisionIsNotTriedAgainUntilItChanges()
    {
        var a = Plugin("a");
        var running = new[] { a };
        var bad = Plugin("a", version: "2.0.0", code: "raise SystemExit(3)\n");
        var rejected = new Dictionary<string, PluginRevision> { ["a"] = PluginRevision.Of(bad, _options) };
        Assert.Empty(Compare(running, [bad], rejected));
        var fixedOne = Plugin("a", version: "2.0.1");
        Assert.Equal(ChangeKind.Replace, Assert.Single(Compare(running, [fixedOne], rejected)).Kind);
    }

    [Fact]
    public void ASymbolicLinkOutOfTheFolderIsNotWalked()
    {
        var a = Plugin("a");
        var before = PluginRevision.Of(a, _options);
        Directory.CreateSymbolicLink(Path.Combine(a.Folder, "lib"), "/");   // would be code, and the whole file system
        File.CreateSymbolicLink(Path.Combine(a.Folder, "loop.py"), "/dev/zero");
        Assert.Null(before.ChangeTo(PluginRevision.Of(a, _options)));
    }
}
