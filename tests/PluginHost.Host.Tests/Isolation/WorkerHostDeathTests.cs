using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>The real `pluginhost` program with a plugin in a worker process: no worker outlives its host.</summary>
public sealed partial class WorkerHostDeathTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    [Fact]
    public async Task TheWorkerExitsWhenItsHostIsKilled()
    {
        var folder = _folders.Plugin("isolated", PluginFolders.Manifest("isolated", extra: """ "isolation": "process" """));
        File.WriteAllText(Path.Combine(folder, "main.py"), "def on_message(message):\n    pass\n");
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}"]);
        await host.WaitForOutputAsync("is running in interpreter", TimeSpan.FromSeconds(60));
        var worker = int.Parse(WorkerPid().Match(host.Output).Groups[1].Value);
        Assert.True(Alive(worker), $"worker {worker} is not running\n{host.Output}");

        host.Kill();   // SIGKILL: the host cannot end the worker; the worker sees its channel close

        await Until(() => !Alive(worker), 20);
    }

    [Fact]
    public async Task AWorkerBlockedInCHoldingTheGilExitsWhenItsHostIsKilled()
    {
        var folder = _folders.Plugin("legacy", PluginFolders.Manifest("legacy", extra: """ "isolation": "process", "capabilities": ["native-code"] """));
        SinglePhasePlugin.AddTo(folder);
        File.WriteAllText(Path.Combine(folder, "main.py"), """
            import legacy, pluginhost
            def setup(ctx):
                pluginhost.publish("block", None, to=ctx.name)   # handled once started
            def on_message(message):
                print("blocking in C", flush=True)
                legacy.block(600)   # the C fixture: holds the GIL, no interrupt reaches it
            """);
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}"]);
        await host.WaitForOutputAsync("blocking in C", TimeSpan.FromSeconds(60));
        var worker = int.Parse(WorkerPid().Match(host.Output).Groups[1].Value);

        host.Kill();   // the worker sees its channel close while its interpreter cannot be ended

        await Until(() => !Alive(worker), 30);
    }

    /// <summary>Running, or a zombie nobody reaped yet (a container's init may not): a zombie runs nothing.</summary>
    internal static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"runs in worker process (\d+)")]
    private static partial Regex WorkerPid();

    public void Dispose() => _folders.Dispose();
}
