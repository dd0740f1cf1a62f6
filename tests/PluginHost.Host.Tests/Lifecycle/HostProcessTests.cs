using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>End to end through the `pluginhost` program: configuration sources, start, SIGTERM, exit code.</summary>
public sealed class HostProcessTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public HostProcessTests()
    {
        foreach (var name in new[] { "alpha", "beta", "gamma" })
        {
            var folder = _folders.Plugin(name, PluginFolders.Manifest(name));
            File.WriteAllText(Path.Combine(folder, "main.py"), $"""
                import logging
                def setup(ctx):
                    print("setup {name}")
                def teardown():
                    print("teardown {name}")
                """);
        }
    }

    private string PluginDirectoryArg => $"--PluginHost:PluginDirectories:0={_folders.Root}";

    [Fact]
    public async Task HostRunsPluginsAndStopsThemInReverseOrderOnSigterm()
    {
        // One start at a time: start order by name (in parallel, which starts first is a race), stop order its reverse.
        using var host = HostProcess.Start([PluginDirectoryArg, "--PluginHost:MaxParallelStarts=1"]);
        await host.WaitForOutputAsync("3 of 3 plugin instances running", TimeSpan.FromMinutes(1));

        var output = await host.StopAsync();
        var teardowns = output.Split('\n').Where(l => l.Contains("teardown ")).Select(l => l.Trim().Split(' ')[^1]).ToList();
        Assert.Equal(["gamma", "beta", "alpha"], teardowns);
        Assert.Contains($"PluginHost.Interpreter.PythonRuntime[{PluginHost.Interpreter.LogEvents.RuntimeStarted}]", output);
        Assert.DoesNotContain("Fatal Python error", output);
        Assert.DoesNotContain("Exception ignored", output);
    }

    [Fact]
    public async Task ListShowsARunningHostsRestartingInstanceFromItsStatusFile()
    {
        var broken = _folders.Plugin("broken", PluginFolders.Manifest("broken"));
        File.WriteAllText(Path.Combine(broken, "main.py"), "def setup(ctx):\n    raise RuntimeError('no start')\n");
        var status = Path.Combine(_folders.Root, "run", "status.json");
        string[] args = [PluginDirectoryArg, $"--PluginHost:StatusFile={status}", "--PluginHost:Restart:InitialDelay=00:10:00", "--PluginHost:Restart:MaxDelay=00:10:00"];
        using var host = HostProcess.Start(args);
        await host.WaitForOutputAsync("3 of 4 plugin instances running", TimeSpan.FromMinutes(1));
        await Until(() => File.Exists(status) && File.ReadAllText(status).Contains("Restarting"), 30);

        var (exitCode, output) = await HostProcess.RunAsync(["list", .. args]);

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Matches(@"^alpha\s+1\.0\.0\s+1\s+ready\s+0:running\s+0\s+[0-9.]+ MiB", lines.Single(l => l.StartsWith("alpha")));
        Assert.Matches(@"^broken\s+1\.0\.0\s+1\s+ready\s+0:restarting\(attempt 1, at [0-9:]+\)\s+1\s+-", lines.Single(l => l.StartsWith("broken")));
        Assert.Contains("\"state\": \"Stopped\"", File.ReadAllText(status));
    }

    [Fact]
    public async Task EnvironmentVariableAndCommandLineOverridesReachTheHost()
    {
        var (exitCode, output) = await HostProcess.RunAsync(
            ["list", PluginDirectoryArg, "--PluginHost:Plugins:gamma:Instances=3"],
            new Dictionary<string, string> { ["PLUGINHOST_PluginHost__Plugins__beta__Enabled"] = "false" });

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Matches(@"alpha\s+1\.0\.0\s+1\s+ready", lines.Single(l => l.StartsWith("alpha")));
        Assert.Matches(@"beta\s+1\.0\.0\s+1\s+disabled", lines.Single(l => l.StartsWith("beta")));
        Assert.Matches(@"gamma\s+1\.0\.0\s+3\s+ready", lines.Single(l => l.StartsWith("gamma")));
    }

    [Fact]
    public async Task BadConfigurationValueStopsTheHostNamingTheKey()
    {
        var (exitCode, output) = await HostProcess.RunAsync([PluginDirectoryArg, "--PluginHost:StopTimeout=-00:00:01"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("PluginHost:StopTimeout", output);
    }

    [Fact]
    public async Task UnusablePythonStopsTheHostWithWhatToDo()
    {
        var (exitCode, output) = await HostProcess.RunAsync(
            [PluginDirectoryArg],
            new Dictionary<string, string> { ["PLUGINHOST_Python__Library"] = "/opt/nowhere/libpython3.13.so" });

        Assert.Equal(1, exitCode);
        Assert.Contains("Python:Library is set to '/opt/nowhere/libpython3.13.so', which cannot be used: does not exist", output);
        Assert.Contains("3.12 or newer", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task ValidateReportsASyntaxErrorWithoutRunningThePlugin()
    {
        var folder = _folders.Plugin("broken", PluginFolders.Manifest("broken"));
        File.WriteAllText(Path.Combine(folder, "main.py"), "open('ran', 'w')\ndef setup(ctx):\n    return (\n");

        var (exitCode, output) = await HostProcess.RunAsync(["validate", folder]);

        Assert.Equal(1, exitCode);
        Assert.Contains("main.py:", output);
        Assert.Contains("SyntaxError", output);
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "ran")));
    }

    public void Dispose() => _folders.Dispose();
}
