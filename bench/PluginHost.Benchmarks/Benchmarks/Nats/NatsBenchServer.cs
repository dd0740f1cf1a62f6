using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginHost.Benchmarks.Benchmarks.Nats;

/// <summary>A nats-server of the benchmark's own on a free loopback port, and pluginhost processes on it.</summary>
internal sealed class NatsBenchServer : IDisposable
{
    private readonly Process _server;
    private readonly List<Process> _hosts = [];

    public NatsBenchServer()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var path = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed: `apt-get install nats-server` (or run .ci/run).");
        _server = Process.Start(new ProcessStartInfo(path, ["-a", "127.0.0.1", "-p", Port.ToString()]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _server.BeginErrorReadLine();
        _server.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Accepts())
        {
            if (_server.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"nats-server did not start on port {Port}");
            Thread.Sleep(20);
        }
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>A pluginhost on this server running the plugins under <paramref name="pluginRoot"/>; returns once <paramref name="ready"/> is in its output.</summary>
    public async Task StartHostAsync(string pluginRoot, string prefix, string ready, TextWriter log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "pluginhost.dll"), $"--PluginHost:PluginDirectories:0={pluginRoot}",
                     "--PluginHost:Broker:Transport=Nats", $"--PluginHost:Nats:Url={Url}", $"--PluginHost:Nats:SubjectPrefix={prefix}",
                     "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:PluginHost.Host.Messaging.Nats=Information"])
            start.ArgumentList.Add(arg);
        var output = new StringBuilder();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _hosts.Add(process);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            lock (output)
            {
                if (output.ToString().Contains(ready)) break;
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                lock (output) throw new InvalidOperationException($"pluginhost did not get ready ('{ready}'):\n{output}");
            }
            await Task.Delay(50);
        }
        log.WriteLine($"  pluginhost {process.Id} ready on {Url} ({prefix})");
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            host.Dispose();
        }
        if (!_server.HasExited) _server.Kill();
        _server.Dispose();
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
