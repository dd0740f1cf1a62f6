using System.Diagnostics;
using System.Text;
using PluginHost.Host.Tests.Nats;

namespace PluginHost.Benchmarks.Benchmarks.Nats;

/// <summary>
/// A nats-server of the benchmark's own on a free loopback port (the tests' <see cref="NatsServer"/>, linked into this
/// project), and pluginhost processes on it.
/// </summary>
internal sealed class NatsBenchServer : IDisposable
{
    private readonly NatsServer _server = NatsServer.Start();
    private readonly List<Process> _hosts = [];
    private readonly List<StringBuilder> _outputs = [];

    public string Url => _server.Url;
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
        _outputs.Add(output);
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

    /// <summary>What each host wrote so far, for a failure's message.</summary>
    public string Outputs() => string.Join("\n", _hosts.Select((host, i) =>
    {
        lock (_outputs[i]) return $"--- pluginhost {host.Id}:\n{_outputs[i]}";
    }));

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            host.Dispose();
        }
        _server.Dispose();
    }
}
