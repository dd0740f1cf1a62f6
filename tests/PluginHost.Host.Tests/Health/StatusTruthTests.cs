using System.Text.Json;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Health;

/// <summary>
/// A real host with a plugin that fails for good and one that never loads: its health is Degraded and says which,
/// <c>pluginhost list</c> reads the failure and its error from the status file, and the log says it once.
/// </summary>
public sealed class StatusTruthTests : IDisposable
{
    private readonly PluginFolders _folders = new();
    private readonly string _directory;
    private readonly string _statusFile;

    public StatusTruthTests()
    {
        _folders.ValidPlugin("plugins/fine", "fine");
        var broken = _folders.ValidPlugin("plugins/broken", "broken");
        File.WriteAllText(Path.Combine(broken, "main.py"), "def setup(ctx):\n    raise RuntimeError('no database')\n");
        _folders.Plugin("plugins/never", PluginFolders.Manifest("never", entry: "missing"));
        _directory = Path.Combine(_folders.Root, "plugins");
        _statusFile = Path.Combine(_folders.Root, "status.json");
    }

    public void Dispose() => _folders.Dispose();

    private string[] Configuration() =>
        [$"--PluginHost:PluginDirectories:0={_directory}", $"--PluginHost:StatusFile={_statusFile}", "--PluginHost:Restart:Enabled=false"];

    [Fact]
    public async Task FailedInstancesMakeTheHostDegradedAndListShowsTheirErrors()
    {
        using var host = HostProcess.Start(Configuration());
        await host.WaitForOutputAsync("Health of host: Degraded", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("Health of plugin:never", TimeSpan.FromSeconds(10));
        await Until(() => File.Exists(_statusFile) && File.ReadAllText(_statusFile).Contains("\"Failed\""), 20);

        var (listCode, table) = await HostProcess.RunAsync(["list", .. Configuration()]);
        var (jsonCode, json) = await HostProcess.RunAsync(["list", "--json", .. Configuration()]);
        var output = await host.StopAsync();

        Assert.Contains("Health of host: Degraded (1 of 2 plugin instances running; failed: broken/0; not loaded: never)", output);
        Assert.Equal(0, listCode);
        Assert.Matches(@"(?m)^broken\s+1\.0\.0\s+1\s+failed\s+0:failed\s.*\S+broken\s+instance 0 failed: .*no database", table);
        Assert.Matches(@"(?m)^fine\s+1\.0\.0\s+1\s+ready\s+0:running\s", table);
        Assert.Matches(@"(?m)^never\s+1\.0\.0\s+1\s+invalid\s+-\s.*\S+never\s+.*missing", table);
        Assert.Equal(0, jsonCode);
        using var document = JsonDocument.Parse(json);
        var brokenEntry = document.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "broken");
        Assert.Equal("failed", brokenEntry.GetProperty("state").GetString());
        Assert.Contains("no database", brokenEntry.GetProperty("error").GetString());
    }

    [Fact]
    public async Task APluginThatNeverLoadedIsReportedOnceNotAtEveryHealthCheck()
    {
        using var host = HostProcess.Start(Configuration());
        await host.WaitForOutputAsync("Health of plugin:never: Unhealthy", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("Health of host:", TimeSpan.FromSeconds(10));
        var output = await host.StopAsync();

        // The framework's own line ("fail: ...DefaultHealthCheckService[103]") came at every period, the first included.
        Assert.DoesNotContain("DefaultHealthCheckService", output);
        Assert.Single(output.Split('\n'), l => l.Contains("Health of plugin:never"));
        Assert.Contains("Health of plugin:never: Unhealthy (never was not loaded: ", output);
    }
}
