using System.Globalization;
using PluginHost.Host.Cli;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Cli;

/// <summary><c>pluginhost top</c> beside a real running host, its output not a terminal (plain text).</summary>
public sealed class TopCommandTests : IDisposable
{
    private readonly PluginFolders _folders = new();
    private readonly string _status;

    public TopCommandTests()
    {
        _status = Path.Combine(_folders.Root, "run", "status.json");
        // About a hundred messages a second to itself: handled, then sent again.
        Write("chatty", """
            import pluginhost, time
            @pluginhost.on("chat")
            def got(message):
                time.sleep(0.01)
                pluginhost.publish("chat", "again")
            def setup(ctx):
                pluginhost.publish("chat", "first")
            """);
        Write("broken", "def setup(ctx):\n    raise RuntimeError('no start')\n");
    }

    private void Write(string name, string source) =>
        File.WriteAllText(Path.Combine(_folders.Plugin(name, PluginFolders.Manifest(name)), "main.py"), source);

    private string[] Args => [$"--PluginHost:PluginDirectories:0={_folders.Root}", $"--PluginHost:StatusFile={_status}", "--PluginHost:Restart:Enabled=false"];

    [Fact]
    public async Task TopPrintsEachInstancesRatesStateAndMemoryAsPlainTextWhenNotATerminal()
    {
        using var host = HostProcess.Start(Args);
        await host.WaitForOutputAsync("1 of 2 plugin instances running", TimeSpan.FromMinutes(1));
        await Until(() => StatusFile.TryRead(_status) is { } s && s.Instances.Any(i => i is { Plugin: "chatty", Handled: > 0 }), 30);

        var (exitCode, output) = await HostProcess.RunAsync(["top", "--count=2", .. Args]);

        await host.StopAsync();
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("\u001b[", output);   // no escape codes
        var tables = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, tables.Length);
        foreach (var table in tables)
        {
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^PLUGIN\s+INST\s+STATE\s+IN/S\s+OUT/S\s+INBOX\s+FAILED\s+RESTARTS\s+MEMORY$", lines[0]);
            Assert.Matches(@"^broken\s+0\s+failed\s+0\.0\s+0\.0\s+0\s+0\s+0\s+-$", lines.Single(l => l.StartsWith("broken")));
            var chatty = lines.Single(l => l.StartsWith("chatty")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("running", chatty[2]);
            Assert.True(double.Parse(chatty[3], CultureInfo.InvariantCulture) > 0, table);   // in per second
            Assert.True(double.Parse(chatty[4], CultureInfo.InvariantCulture) > 0, table);   // out per second
            Assert.Matches(@"^[0-9.]+$", chatty[8]);
            Assert.Equal("MiB", chatty[9]);
            Assert.Matches(@"^host process \d+, 2 instance\(s\), written ", lines[^1]);
        }
    }

    [Fact]
    public async Task TopOfAStoppedHostSaysSoAndFails()
    {
        using (var host = HostProcess.Start(Args))
        {
            await host.WaitForOutputAsync("1 of 2 plugin instances running", TimeSpan.FromMinutes(1));
            await host.StopAsync();
        }

        var (exitCode, output) = await HostProcess.RunAsync(["top", .. Args]);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"host process \d+ \(not running\)", output);
        Assert.Matches(@"chatty\s+0\s+stopped", output);
    }

    [Fact]
    public async Task TopWithoutAStatusFileExplainsWhatItNeeds()
    {
        var (unset, unsetOutput) = await HostProcess.RunAsync(["top", $"--PluginHost:PluginDirectories:0={_folders.Root}"]);
        var (missing, missingOutput) = await HostProcess.RunAsync(["top", .. Args]);
        var (badCount, badCountOutput) = await HostProcess.RunAsync(["top", "--count=0", .. Args]);

        Assert.Equal(1, unset);
        Assert.Contains("top reads the running host's status file: set PluginHost:StatusFile", unsetOutput);
        Assert.Equal(1, missing);
        Assert.Contains($"no host status in {_status}", missingOutput);
        Assert.Equal(ExitCodes.Usage, badCount);
        Assert.Contains("--count needs a whole number of refreshes, 1 or more: '--count=0'", badCountOutput);
    }

    [Fact]
    public void RatesComeFromTwoDifferentWritesAndNotFromACounterThatWentDown()
    {
        var view = new TopView();
        var start = DateTimeOffset.UnixEpoch;
        view.Update(Status(start, received: 100, sent: 10));
        Assert.Null(view.Rows.Single().InPerSecond);

        view.Update(Status(start.AddSeconds(2), received: 300, sent: 50));
        Assert.Equal((100.0, 20.0), (view.Rows.Single().InPerSecond, view.Rows.Single().OutPerSecond));

        view.Update(Status(start.AddSeconds(2), received: 300, sent: 50));   // the same write read again: rates kept
        Assert.Equal(100.0, view.Rows.Single().InPerSecond);

        var restarted = new TopView();
        restarted.Update(Status(start, received: 300, sent: 50));
        restarted.Update(Status(start.AddSeconds(2), received: 5, sent: 1));   // another host's counters
        Assert.Null(restarted.Rows.Single().InPerSecond);
    }

    private static HostStatus Status(DateTimeOffset written, long received, long sent) =>
        new(written, 1, [new PluginStatus("p", 0, PluginState.Running, 1, null) { Received = received, Sent = sent }]);

    public void Dispose() => _folders.Dispose();
}
