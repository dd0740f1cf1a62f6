using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// A real nats-server of the test's own, on a free loopback port (JetStream in a temporary store when asked). A
/// missing nats-server fails the test with how to install it: these tests are never skipped.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _store;
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private NatsServer(int port, bool jetStream, IReadOnlyList<string> extraArgs)
    {
        Port = port;
        JetStream = jetStream;
        _extraArgs = extraArgs;
        _store = Directory.CreateTempSubdirectory("nats-store-").FullName;
    }

    public int Port { get; }

    public bool JetStream { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The server's id, as it logs it at start and sends it to clients.</summary>
    public string Id => System.Text.RegularExpressions.Regex.Match(Output, @"\bID:\s+(\w+)").Groups[1].Value;

    public bool IsRunning => _process is { HasExited: false };

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <param name="extraArgs">More nats-server options, e.g. <c>--user</c>/<c>--pass</c> or <c>--max_payload</c>.</param>
    public static NatsServer Start(bool jetStream = false, params string[] extraArgs) => Start(FreePort(), jetStream, extraArgs);

    /// <summary>A server on <paramref name="port"/> (chosen with <see cref="FreePort"/>, e.g. for a cluster's URLs).</summary>
    public static NatsServer Start(int port, bool jetStream, params string[] extraArgs)
    {
        var server = new NatsServer(port, jetStream, extraArgs);
        try
        {
            server.Launch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The path of nats-server, or an exception that says how to get it.</summary>
    /// <param name="searchPath">Folders to look in, colon-separated: PATH and /usr/sbin unless given.</param>
    public static string Executable(string? searchPath = null)
    {
        searchPath ??= $"{Environment.GetEnvironmentVariable("PATH")}:/usr/sbin";
        foreach (var dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "nats-server");
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException(
            "nats-server is not installed, and the scale-out tests need a real one: run .ci/run (it installs it) or `apt-get install nats-server`.");
    }

    /// <summary>SIGKILL, as a crashed or unplugged server; <see cref="Restart"/> brings it back on the same port.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public void Restart()
    {
        Kill();
        Launch();
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Launch()
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["-a", "127.0.0.1", "-p", Port.ToString(), "-n", $"test-{Port}"])
            start.ArgumentList.Add(arg);
        if (JetStream)
        {
            start.ArgumentList.Add("-js");
            start.ArgumentList.Add("-sd");
            start.ArgumentList.Add(_store);
        }
        foreach (var arg in _extraArgs)
            start.ArgumentList.Add(arg);
        _process?.Dispose();
        var process = _process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!Accepts())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"nats-server did not start on port {Port}:\n{Output}");
            Thread.Sleep(20);
        }
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

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>A loopback port nobody listens on now (e.g. for a cluster route).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
