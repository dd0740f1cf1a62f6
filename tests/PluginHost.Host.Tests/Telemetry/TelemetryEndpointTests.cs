using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>The local /metrics and /healthz endpoint of a real host, read with a real HTTP client.</summary>
public sealed class TelemetryEndpointTests : IDisposable
{
    private readonly PluginFolders _folders = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public TelemetryEndpointTests()
    {
        Write("consumer", null, """
            import pluginhost
            @pluginhost.on("ticks")
            def tick(message):
                pass
            """);
        Write("producer", "\"dependsOn\": [\"consumer\"]", """
            import pluginhost
            def setup(ctx):
                for i in range(5):
                    pluginhost.publish("ticks", i)
            """);
        Write("broken", null, "def setup(ctx):\n    raise RuntimeError('no start')\n");
    }

    private void Write(string name, string? extra, string source) =>
        File.WriteAllText(Path.Combine(_folders.Plugin(name, PluginFolders.Manifest(name, extra: extra)), "main.py"), source);

    [Fact]
    public async Task MetricsAndHealthAreServedOnTheConfiguredLoopbackPort()
    {
        var port = FreePort();
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}", $"--PluginHost:Telemetry:HttpPort={port}",
            "--PluginHost:Restart:Enabled=false"]);
        await host.WaitForOutputAsync("2 of 3 plugin instances running", TimeSpan.FromMinutes(1));
        var metrics = await ScrapeUntilAsync(port, @"pluginhost_messages_handled_total\{[^}]*plugin=""consumer""[^}]*\} 5\b");

        Assert.Matches(@"messaging_client_consumed_messages_total\{[^}]*instance=""0"",plugin=""consumer""[^}]*\} 5\b", metrics);
        Assert.DoesNotContain("pluginhost_messages_received", metrics);   // exported under the messaging convention's name
        Assert.Matches(@"pluginhost_plugin_state\{[^}]*plugin=""broken""[^}]*\} 6\b", metrics);   // Failed
        Assert.Matches(@"pluginhost_plugin_memory_bytes\{[^}]*plugin=""producer""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"dotnet_process_cpu_time_seconds_total\{", metrics);
        Assert.Matches(@"dotnet_gc_heap_total_allocated_bytes_total\{", metrics);

        using var health = await _http.GetAsync($"http://127.0.0.1:{port}/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
        using var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", report.RootElement.GetProperty("status").GetString());
        var entries = report.RootElement.GetProperty("entries");
        Assert.Equal("Unhealthy", entries.GetProperty("plugin:broken").GetProperty("status").GetString());
        Assert.Equal("no instance of broken is running", entries.GetProperty("plugin:broken").GetProperty("description").GetString());
        Assert.Equal("Healthy", entries.GetProperty("plugin:consumer").GetProperty("status").GetString());
        Assert.Equal("Degraded", entries.GetProperty("host").GetProperty("status").GetString());

        using var unknown = await _http.GetAsync($"http://127.0.0.1:{port}/healthz/../status");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var posted = await _http.PostAsync($"http://127.0.0.1:{port}/healthz", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, posted.StatusCode);

        var output = await host.StopAsync();
        Assert.Contains($"Serving /metrics and /healthz on http://127.0.0.1:{port}/", output);
    }

    [Fact]
    public async Task APortAlreadyInUseStopsTheHostNamingTheKey()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await HostProcess.RunAsync([$"--PluginHost:PluginDirectories:0={_folders.Root}", $"--PluginHost:Telemetry:HttpPort={port}"]);

        Assert.Equal(1, exitCode);
        Assert.Contains($"PluginHost:Telemetry:HttpPort: cannot listen on 127.0.0.1:{port}", output);
        Assert.DoesNotContain("   at ", output);   // one line, not a stack trace
    }

    [Fact]
    public async Task ABadPortOrEndpointIsAConfigurationError()
    {
        var (exitCode, output) = await HostProcess.RunAsync([$"--PluginHost:PluginDirectories:0={_folders.Root}",
            "--PluginHost:Telemetry:HttpPort=70000", "--PluginHost:Telemetry:OtlpEndpoint=ftp://collector"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("PluginHost:Telemetry:HttpPort", output);
    }

    private async Task<string> ScrapeUntilAsync(int port, string pattern)
    {
        var text = "";
        for (var attempt = 0; attempt < 200 && !Regex.IsMatch(text, pattern); attempt++)
        {
            if (attempt > 0)
                await Task.Delay(100);
            text = await _http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        }
        Assert.Matches(pattern, text);
        return text;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _http.Dispose();
        _folders.Dispose();
    }
}
