using System.Net.Sockets;
using System.Text;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Deployment;

/// <summary>
/// <c>Type=notify</c> without systemd (this container has none running): the test plays the service manager. It binds
/// the datagram socket systemd would pass in <c>NOTIFY_SOCKET</c> and starts the published host as the child of a
/// process named <c>systemd</c> — .NET's <c>AddSystemd</c> takes the systemd lifetime only when the parent's
/// <c>/proc/&lt;pid&gt;/comm</c> says so (or the host is PID 1) — here bash, through a symlink of that name.
/// </summary>
[Collection(PublishedHostCollection.Name)]
[Trait("Category", "Deployment")]
public sealed class SystemdNotifyTests(PublishedHost published) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _manager = Directory.CreateTempSubdirectory("pluginhost-notify-");

    [Fact]
    public async Task TheHostSaysReadyOnceItsPluginsRunAndStoppingOnSigterm()
    {
        var site = published.NewSite();
        var socketPath = Path.Combine(_manager.FullName, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var systemd = Path.Combine(_manager.FullName, "systemd");
        File.CreateSymbolicLink(systemd, "/bin/bash");

        // "exit $?" keeps bash from replacing itself with the host (it would then be the test runner's child).
        using var manager = HostProcess.StartProgram(systemd, ["-c", "\"$@\"; exit $?", "systemd", published.Launcher], site,
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });

        Assert.Equal("READY=1", await ReceiveAsync(socket, manager));
        // READY=1 is sent once every hosted service has started, and the supervisor's start waits for the plugins.
        await manager.WaitForOutputAsync("5 of 5 plugin instances running", Patience);
        Terminate(HostPid(manager.Id));
        Assert.Equal("STOPPING=1", await ReceiveAsync(socket, manager));
        var exit = await manager.WaitForExitAsync(Patience);

        Assert.True(exit == 0, $"exit {exit}\n{manager.Output}");
        // The systemd console formatter, which AddSystemd chooses under systemd: one line per entry with its syslog
        // priority, which journald turns into the entry's level.
        Assert.Contains("<6>PluginHost.Host.Lifecycle.PluginSupervisor[1007] 5 of 5 plugin instances running", manager.Output);
        Assert.Contains("<6>PluginHost.Host.Lifecycle.PluginSupervisor[1020] Stopped 5 plugin instance(s)", manager.Output);
    }

    public void Dispose() => _manager.Delete(recursive: true);

    private static async Task<string> ReceiveAsync(Socket socket, HostProcess manager)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[4096];
        try
        {
            var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing on NOTIFY_SOCKET within {Patience}. Output:\n{manager.Output}");
        }
    }

    /// <summary>The host: the only child of the bash that stands for systemd.</summary>
    private static int HostPid(int manager)
    {
        var children = File.ReadAllText($"/proc/{manager}/task/{manager}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(Assert.Single(children));
    }

    private static void Terminate(int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", pid.ToString()]);
        kill.WaitForExit();
    }
}
