using System.Text.Json;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Cli;

public sealed class ListCommandTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public ListCommandTests()
    {
        _folders.ValidPlugin("plugins/echo", "echo", extra: "\"instances\": 2");
        _folders.ValidPlugin("plugins/quiet", "quiet");
        _folders.Plugin("plugins/broken", "{ not json", "main.py");
    }

    public void Dispose() => _folders.Dispose();

    private PluginCatalog Catalog()
    {
        var options = new PluginHostOptions { PluginDirectories = ["plugins", "missing"] };
        options.Plugins["quiet"] = new PluginOptions { Enabled = false };
        return new PluginCatalog(options, _folders.Root);
    }

    [Fact]
    public void TableShowsNameVersionInstancesStateAndError()
    {
        var output = new StringWriter();

        var exitCode = ListCommand.Run(Catalog(), output, json: false);

        Assert.Equal(ExitCodes.Success, exitCode);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0]);
        Assert.Matches(@"^broken\s+-\s+1\s+invalid\s+\S+\s+plugin\.json is not valid JSON", lines[1]);
        Assert.Matches(@"^echo\s+1\.0\.0\s+2\s+ready\s+\S+echo$", lines[2]);
        Assert.Matches(@"^quiet\s+1\.0\.0\s+1\s+disabled\s+", lines[3]);
        Assert.StartsWith("warning: plugin directory ", lines[4]);
    }

    [Fact]
    public void JsonListsEveryPluginWithItsState()
    {
        var output = new StringWriter();

        ListCommand.Run(Catalog(), output, json: true);

        using var document = JsonDocument.Parse(output.ToString());
        var plugins = document.RootElement.GetProperty("plugins").EnumerateArray().ToList();
        Assert.Equal(["broken", "echo", "quiet"], plugins.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["invalid", "ready", "disabled"], plugins.Select(p => p.GetProperty("state").GetString()));
        Assert.Equal("1.0.0", plugins[1].GetProperty("version").GetString());
        Assert.Equal(2, plugins[1].GetProperty("instances").GetInt32());
        Assert.Single(document.RootElement.GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public void NothingFoundSaysSo()
    {
        var output = new StringWriter();

        ListCommand.Run(new PluginCatalog(new PluginHostOptions { PluginDirectories = ["none"] }, _folders.Root), output, json: false);

        Assert.StartsWith("No plugins found.", output.ToString());
    }
}
