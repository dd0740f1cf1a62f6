using System.Diagnostics;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Configuration;

/// <summary>SIGHUP (systemd's reload convention) must not end the host: it says that a restart applies changes.</summary>
public sealed class HangupSignalTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task SighupIsLoggedAndTheHostKeepsRunningUntilItsStop()
    {
        var plugin = _folders.Plugin("calm", PluginFolders.Manifest("calm"));
        File.WriteAllText(Path.Combine(plugin, "main.py"), "def setup(ctx):\n    print('calm up')\n");
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}"]);
        await host.WaitForOutputAsync("calm up", TimeSpan.FromMinutes(1));

        using (var hangup = Process.Start("kill", ["-HUP", host.Id.ToString()])!)
            await hangup.WaitForExitAsync();
        await host.WaitForOutputAsync("SIGHUP received: configuration is read once at start", TimeSpan.FromSeconds(30));

        var output = await host.StopAsync();   // exit 0 after a clean stop: the SIGHUP ended nothing
        Assert.Contains("Stopping plugin calm instance 0", output);
    }
}
