using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Cli;

/// <summary>
/// `check` and `validate` run in CI pipelines, where a hang is worse than a failure: what they run of a plugin is
/// bounded by PluginHost:CheckTimeout, through the real `pluginhost` program.
/// </summary>
public sealed class CheckTimeoutTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task CheckOfAPluginThatLoopsAtImportReportsItAndFails()
    {
        var folder = Plugin("looping", "while True:\n    pass\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder, "--PluginHost:CheckTimeout=00:00:01"]);

        Assert.True(exitCode == 1, $"exit {exitCode}\n{output}");
        Assert.Contains("main did not finish importing within 1 s (PluginHost:CheckTimeout); it was interrupted", output);
    }

    [Fact]
    public async Task CheckOfAPluginStuckInCAtImportStillReturns()
    {
        var folder = Plugin("stuck", "import collections, itertools\ncollections.deque(itertools.count(), maxlen=0)\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder, "--PluginHost:CheckTimeout=00:00:01", "--json"]);

        Assert.True(exitCode == 1, $"exit {exitCode}\n{output}");
        Assert.Contains("main did not finish importing within 1 s (PluginHost:CheckTimeout); it was interrupted, and is stuck in native code", output);
    }

    [Fact]
    public async Task ValidateBoundsCompilingThePluginsFiles()
    {
        var folder = Plugin("large", "x = 1\n");
        // About 2 MB of source: far more than a millisecond to compile.
        File.WriteAllText(Path.Combine(folder, "table.py"), "table = [" + string.Join(",", Enumerable.Range(0, 300_000)) + "]\n");

        var (exitCode, output) = await HostProcess.RunAsync(["validate", folder, "--PluginHost:CheckTimeout=00:00:00.001"]);

        Assert.True(exitCode == 1, $"exit {exitCode}\n{output}");
        Assert.Contains("its Python files did not finish compiling within 0.001 s (PluginHost:CheckTimeout)", output);
    }

    [Fact]
    public async Task CheckOfAQuickPluginIsUnaffected()
    {
        var folder = Plugin("quick", "import json\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder, "--PluginHost:CheckTimeout=00:00:30"]);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}");
        Assert.DoesNotContain("did not finish", output);
    }

    private string Plugin(string name, string main)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name));
        File.WriteAllText(Path.Combine(folder, "main.py"), main);
        return folder;
    }
}
