using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>Plugins that fail in ways that once took the host down or misled its operator, run by the real program.</summary>
public sealed class FailingPluginProcessTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    private string[] Args(params string[] more) =>
        [$"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Restart:InitialDelay=00:00:00.1", .. more];

    private void Plugin(string name, string code)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name));
        File.WriteAllText(Path.Combine(folder, "main.py"), code);
    }

    private static async Task<string> RunUntilAsync(string[] args, string logged)
    {
        using var host = HostProcess.Start(args);
        await host.WaitForOutputAsync(logged, TimeSpan.FromMinutes(1));
        var output = await host.StopAsync();
        Assert.DoesNotContain("Stack overflow", output);
        Assert.DoesNotContain("Fatal Python error", output);
        return output;
    }

    [Fact]
    public async Task APluginThatBreaksItsTracebackModuleFailsWithItsOwnTraceback()
    {
        Plugin("sabotage", "import traceback\ndef setup(ctx):\n    traceback.format_exception = None\n    1/0\n");

        var output = await RunUntilAsync(Args("--PluginHost:Restart:MaxRestarts=0"), "stays Failed");

        Assert.Contains("Plugin sabotage instance 0 failed to start: ZeroDivisionError: division by zero", output);
        Assert.Contains($"main.py\", line 4, in setup", output);
        // The traceback is logged once, with the failure; the "stays Failed" line names the error only.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "line 4, in setup"));
    }

    [Fact]
    public async Task AFailedImportLogsNoDenialThePluginDidNotAttempt()
    {
        Plugin("missing", "import json\nimport nosuchmodule_for_this_test\n");

        var output = await RunUntilAsync(Args("--PluginHost:Restart:MaxRestarts=0"), "stays Failed");

        Assert.Contains("ModuleNotFoundError: No module named 'nosuchmodule_for_this_test'", output);
        Assert.DoesNotContain("denied", output);
        Assert.DoesNotContain("<unknown>", output);
    }

    [Fact]
    public async Task ListRunsValidatesSyntaxCheck()
    {
        Plugin("fine", "def setup(ctx):\n    pass\n");
        Plugin("broken", "x = 1\ndef setup(ctx):\n    return (\n");

        var (exitCode, output) = await HostProcess.RunAsync(["list", .. Args()]);

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Matches(@"^broken\s+1\.0\.0\s+1\s+invalid\s+\S+\s+Python syntax errors: main.py:3: SyntaxError: '\(' was never closed", lines.Single(l => l.StartsWith("broken")));
        Assert.Matches(@"^fine\s+1\.0\.0\s+1\s+ready", lines.Single(l => l.StartsWith("fine")));
    }

    public void Dispose() => _folders.Dispose();
}
