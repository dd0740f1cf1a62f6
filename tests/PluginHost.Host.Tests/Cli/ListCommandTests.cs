using System.Text.Json;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
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
    public void DependencyProblemsAreShownAsInvalidWithTheReasonAndTheOthersStayReady()
    {
        _folders.ValidPlugin("plugins/loop-a", "loop-a", extra: "\"dependsOn\": [\"loop-b\"]");
        _folders.ValidPlugin("plugins/loop-b", "loop-b", extra: "\"dependsOn\": [\"loop-a\"]");
        _folders.ValidPlugin("plugins/orphan", "orphan", extra: "\"dependsOn\": [\"ghost\"]");
        _folders.ValidPlugin("plugins/needs-quiet", "needs-quiet", extra: "\"dependsOn\": [\"quiet\"]");
        _folders.ValidPlugin("plugins/needs-echo", "needs-echo", extra: "\"dependsOn\": [\"echo\"]");
        var output = new StringWriter();

        ListCommand.Run(Catalog(), output, json: false);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("loop-a ") && l.Contains("invalid") && l.Contains("dependency cycle: loop-a -> loop-b -> loop-a"));
        Assert.Contains(lines, l => l.StartsWith("loop-b ") && l.Contains("invalid") && l.Contains("dependency cycle: loop-a -> loop-b -> loop-a"));
        Assert.Contains(lines, l => l.StartsWith("orphan ") && l.Contains("invalid") && l.Contains("dependsOn 'ghost': no plugin of that name is configured"));
        Assert.Contains(lines, l => l.StartsWith("needs-quiet ") && l.Contains("invalid") && l.Contains("dependsOn 'quiet': that plugin is disabled"));
        Assert.Contains(lines, l => l.StartsWith("needs-echo ") && l.Contains("ready"));
        Assert.Contains(lines, l => l.StartsWith("echo ") && l.Contains("ready"));
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
    public void ARunningHostsStatusAddsEachInstancesStateRestartsAndMemory()
    {
        var output = new StringWriter();
        var running = new HostStatus(DateTimeOffset.Parse("2026-01-02T12:00:00Z"), 4242,
        [
            // MEMORY is all an instance holds: small blocks, large blocks and payloads waiting in its inbox.
            new PluginStatus("echo", 0, PluginState.Running, 3, null) { Restarts = 1, AllocatedBytes = 1 << 20, LargeBytes = 3 << 20, InboxBytes = 1 << 19 },
            new PluginStatus("echo", 1, PluginState.Restarting, null, "boom") { Restarts = 2, Abandoned = 1, RestartAttempt = 2, NextStart = DateTimeOffset.Parse("2026-01-02T12:00:05Z") },
        ]);

        ListCommand.Run(Catalog(), output, json: false, running);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+VERSION\s+INSTANCES\s+STATE\s+RUNNING\s+RESTARTS\s+MEMORY\s+ABANDONED\s+FOLDER\s+ERROR$", lines[0]);
        Assert.Matches(@"^echo\s+1\.0\.0\s+2\s+ready\s+0:running 1:restarting\(attempt 2, at 12:00:05\)\s+3\s+4\.5 MiB\s+1\s+\S+echo\s+instance 1 restarting: boom$", lines[2]);
        Assert.Matches(@"^quiet\s+1\.0\.0\s+1\s+disabled\s+-\s+-\s+-\s+-\s+", lines[3]);
        Assert.Contains("states written by process 4242 at 2026-01-02 12:00:00Z", lines);
    }

    [Fact]
    public void NothingFoundSaysSo()
    {
        var output = new StringWriter();

        ListCommand.Run(new PluginCatalog(new PluginHostOptions { PluginDirectories = ["none"] }, _folders.Root), output, json: false);

        Assert.StartsWith("No plugins found.", output.ToString());
    }
}
