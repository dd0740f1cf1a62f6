using System.Text.Json;
using PluginHost.Host.Cli;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Cli;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void ValidFolderExitsZero()
    {
        var folder = _folders.ValidPlugin("echo", "echo");
        var output = new StringWriter();

        var exitCode = ValidateCommand.Run(folder, output, json: false);

        Assert.Equal(0, exitCode);
        Assert.Equal($"ok: echo 1.0.0 (entry main) in {folder}{Environment.NewLine}", output.ToString());
    }

    [Fact]
    public void InvalidFolderExitsOneListingEachError()
    {
        var folder = _folders.Plugin("bad", PluginFolders.Manifest("bad", extra: "\"instances\": 0, \"colour\": 1"), "main.py");
        var output = new StringWriter();

        var exitCode = ValidateCommand.Run(folder, output, json: false);

        Assert.Equal(1, exitCode);
        var text = output.ToString();
        Assert.StartsWith($"invalid: {folder}", text);
        Assert.Contains("  - plugin.json /instances: ", text);
        Assert.Contains("  - plugin.json /colour: unknown property", text);
    }

    [Fact]
    public void MissingEntryModuleExitsOne()
    {
        var folder = _folders.Plugin("noentry", PluginFolders.Manifest("noentry"));

        Assert.Equal(1, ValidateCommand.Run(folder, new StringWriter(), json: false));
    }

    [Fact]
    public void MissingFolderExitsOne()
    {
        var output = new StringWriter();

        Assert.Equal(1, ValidateCommand.Run(Path.Combine(_folders.Root, "nope"), output, json: false));
        Assert.Contains("does not exist", output.ToString());
    }

    [Fact]
    public void EntryCheckSeamCanFailAValidFolder()
    {
        var folder = _folders.ValidPlugin("echo", "echo");
        string? checkedFolder = null;

        var exitCode = ValidateCommand.Run(folder, new StringWriter(), json: false, checkEntry: (manifest, path) =>
        {
            checkedFolder = path;
            return $"import {manifest.Entry} failed: SyntaxError";
        });

        Assert.Equal(1, exitCode);
        Assert.Equal(folder, checkedFolder);
    }

    [Fact]
    public void JsonReportsValidityAndErrors()
    {
        var folder = _folders.Plugin("noentry", PluginFolders.Manifest("noentry"));
        var output = new StringWriter();

        ValidateCommand.Run(folder, output, json: true);

        using var document = JsonDocument.Parse(output.ToString());
        Assert.False(document.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal("noentry", document.RootElement.GetProperty("name").GetString());
        Assert.StartsWith("entry module 'main' not found", document.RootElement.GetProperty("errors")[0].GetString());
    }
}
