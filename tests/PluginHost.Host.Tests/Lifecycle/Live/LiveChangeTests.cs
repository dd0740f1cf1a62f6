using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle.Live;

/// <summary>
/// A running host (child process) applies configuration and plugin-folder changes live: scaled, reconfigured, added,
/// removed; an invalid configuration is rejected whole; the plugin nobody changed never notices.
/// </summary>
public sealed class LiveChangeTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(1);
    private readonly PluginFolders _folders = new();
    private readonly LiveSettings _settings = new();

    public void Dispose()
    {
        _settings.Dispose();
        _folders.Dispose();
    }

    private void Plugins()
    {
        var steady = _folders.Plugin("steady", PluginFolders.Manifest("steady"));
        File.WriteAllText(Path.Combine(steady, "main.py"), "def setup(ctx):\n    print('steady up')\n\ndef teardown():\n    print('steady down')\n");
        var echo = _folders.Plugin("echo", PluginFolders.Manifest("echo", extra: """ "settings": { "greeting": "hello" } """));
        File.WriteAllText(Path.Combine(echo, "main.py"), """
            def setup(ctx):
                print(f"echo {ctx.instance} up: {ctx.settings['greeting']}")

            def teardown():
                print("echo down")
            """);
    }

    private HostProcess StartHost(params string[] args) => HostProcess.Start(
        [$"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Reload:Delay=00:00:00.300", .. args], _settings.ProcessEnvironment);

    [Fact]
    public async Task ScaleReconfigureAddRejectAndRemoveWhileTheOtherPluginRunsOn()
    {
        Plugins();
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Instances": 1 } } } }""");
        using var host = StartHost();
        await host.WaitForOutputAsync("echo 0 up: hello", Wait);
        await host.WaitForOutputAsync("steady up", Wait);

        // Scaled up: two more instances, the first untouched.
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Instances": 3 } } } }""");
        await host.WaitForOutputAsync("echo 2 up: hello", Wait);
        await host.WaitForOutputAsync("echo: scale (instances 1 → 3)", Wait);
        Assert.Equal(1, host.Count("echo 0 up: hello"));

        // Reconfigured: every instance replaced, reading the new value.
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Instances": 3, "Settings": { "greeting": "bonjour" } } } } }""");
        await host.WaitForOutputAsync("echo: replace (configuration changed: Settings:greeting)", Wait);
        Assert.Equal(3, host.Count("up: bonjour"));
        Assert.Equal(3, host.Count("echo down"));

        // A plugin folder added: found, validated, started.
        var late = Path.Combine(_folders.Root, "late");
        Directory.CreateDirectory(late);
        File.WriteAllText(Path.Combine(late, "main.py"), "def setup(ctx):\n    print('late up')\n");
        File.WriteAllText(Path.Combine(late, "plugin.json"), PluginFolders.Manifest("late"));
        await host.WaitForOutputAsync("late up", Wait);

        // Invalid: rejected whole, with the reason; nothing changes.
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Instanses": 1, "Enabled": false } } } }""");
        await host.WaitForOutputAsync("did you mean PluginHost:Plugins:echo:Instances?", Wait);
        _settings.WriteInPlace("""{ "PluginHost": { "Plugins": { "echo": { "Enabled": false """);
        await host.WaitForOutputAsync("not valid JSON", Wait);
        Assert.Equal(2, host.Count("New configuration rejected, the running configuration is kept"));
        Assert.Equal(3, host.Count("echo down"));

        // Disabled: drained and stopped; the others carry on.
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Enabled": false } } } }""");
        await host.WaitForOutputAsync("echo: remove (it is disabled (Enabled=false))", Wait);
        Assert.Equal(6, host.Count("echo down"));

        var output = await host.StopAsync();
        Assert.Equal(1, host.Count("steady up"));   // never restarted by anything above
        Assert.Equal(1, host.Count("steady down"));
        Assert.Contains("Stopping plugin late instance 0", output);
        Assert.DoesNotContain("Stopping plugin echo", output[output.LastIndexOf("Application is shutting down", StringComparison.Ordinal)..]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithWatchingOffOnlySighupAppliesAChange(bool startedUnderNohup)
    {
        Plugins();
        _settings.Write("""{ "PluginHost": { "Plugins": { "echo": { "Instances": 1 } } } }""");
        // Under nohup (or any parent ignoring SIGHUP: ignored signals survive exec) the host must still hear it.
        using var host = HostProcess.Start(
            [$"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Reload:Watch=false", "--PluginHost:StopTimeout=00:00:20"],
            _settings.ProcessEnvironment, launcher: startedUnderNohup ? ["nohup"] : null);
        await host.WaitForOutputAsync("echo 0 up: hello", Wait);

        _settings.Write("""{ "PluginHost": { "Broker": { "InboxCapacity": 500 }, "Plugins": { "echo": { "Instances": 2 } } } }""");
        await Task.Delay(TimeSpan.FromSeconds(2));   // the watched host applies it within ~0.3 s (the test above)
        Assert.DoesNotContain("echo 1 up", host.Output);

        host.Hangup();
        await host.WaitForOutputAsync("SIGHUP received: re-reading configuration and plugin folders", Wait);
        await host.WaitForOutputAsync("echo 1 up: hello", Wait);
        Assert.Contains("Changed configuration that applies only when the host restarts: PluginHost:Broker:InboxCapacity", host.Output);
        Assert.DoesNotContain("PluginHost:StopTimeout", host.Output[host.Output.IndexOf("applies only when", StringComparison.Ordinal)..]);   // unchanged
        await host.StopAsync();   // exit 0: SIGHUP ended nothing
    }

    [Fact]
    public async Task APluginNeedingWhatTheKernelBackstopDeniesIsNotAddedLive()
    {
        Plugins();
        using var host = StartHost();
        await host.WaitForOutputAsync("steady up", Wait);
        await host.WaitForOutputAsync("Kernel backstop", Wait);

        var net = _folders.Plugin("net", PluginFolders.Manifest("net", extra: """ "capabilities": ["network"] """));
        File.WriteAllText(Path.Combine(net, "main.py"), "def setup(ctx):\n    print('net up')\n");
        await host.WaitForOutputAsync("Plugin net not changed, what runs of it keeps serving: it needs network", Wait);
        await host.StopAsync();
        Assert.DoesNotContain("net up", host.Output);
    }
}
