using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Telemetry;

/// <summary>
/// <c>GET /healthz</c> on 127.0.0.1:<c>PluginHost:Telemetry:HttpPort</c>: the host's health checks run now, as JSON
/// with each entry's status and reason; 200 when Healthy or Degraded, 503 when Unhealthy (what a load balancer or a
/// Kubernetes probe acts on). It shares the port with the Prometheus listener's <c>/metrics</c> (.NET's HttpListener
/// serves both prefixes from one socket).
/// </summary>
internal sealed class HealthEndpoint(int port, IServiceProvider services) : BackgroundService
{
    public const string Path = "/healthz";

    private readonly HttpListener _listener = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The whole port but /metrics (the Prometheus listener's longer prefix wins there): a request for any other
        // path is answered here (404) instead of by HttpListener's own fallback, which closes the connection, so a
        // client's next request on it (a keep-alive pool) is not lost or answered by another listener.
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            // A port in use is a configuration mistake: the host does not start, naming the key.
            throw new InvalidOperationException($"{TelemetryOptions.SectionName}:HttpPort: cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
        services.GetRequiredService<ILoggerFactory>().CreateLogger<HealthEndpoint>().TelemetryEndpoint(port);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = stoppingToken.Register(_listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            _ = AnswerAsync(context, stoppingToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken stoppingToken)
    {
        var response = context.Response;
        try
        {
            var other = context.Request.Url?.AbsolutePath.TrimEnd('/') != Path;
            if (other || context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                response.StatusCode = other ? 404 : 405;
                return;
            }
            var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(stoppingToken);
            response.StatusCode = report.Status == HealthStatus.Unhealthy ? 503 : 200;
            response.ContentType = "application/json; charset=utf-8";
            response.Headers["Cache-Control"] = "no-store";
            var body = Json(report);
            response.ContentLength64 = body.Length;
            if (context.Request.HttpMethod == "GET")
                await response.OutputStream.WriteAsync(body, stoppingToken);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
            // The client went away: nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (ObjectDisposedException) { } catch (HttpListenerException) { }
        }
    }

    /// <summary>{"status": "Degraded", "entries": {"plugin:x": {"status": "Unhealthy", "description": "..."}}}</summary>
    internal static byte[] Json(HealthReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("entries");
            foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description ?? entry.Exception?.Message);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public override void Dispose()
    {
        base.Dispose();
        _listener.Close();
    }
}
