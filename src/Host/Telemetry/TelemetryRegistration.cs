using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Host.Policy;

namespace PluginHost.Host.Telemetry;

internal static class TelemetryRegistration
{
    /// <summary>The meter of .NET's built-in runtime and process metrics (.NET 9 and later).</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// Exported names that differ from the instrument's: where an OpenTelemetry messaging semantic convention
    /// covers what a pluginhost instrument counts, the export uses the convention's name (docs/observability.md).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Renames = new Dictionary<string, string>
    {
        ["pluginhost.messages.received"] = "messaging.client.consumed.messages",
    };

    /// <summary>
    /// Binds <see cref="TelemetryOptions"/>; when the host is built to run (<paramref name="running"/>: not for
    /// <c>list</c> beside a running host, which must not take its port) and they export anything, registers
    /// OpenTelemetry metrics and the <c>/healthz</c> endpoint beside the Prometheus one. A configured port already in
    /// use is a validation failure naming the key, found here because OpenTelemetry opens the Prometheus listener
    /// while the host validates its options, before any validator could say why.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration, bool running)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateOnStart();
        var options = Bind(configuration);
        var portError = running && options?.HttpPort is { } probe ? PortError(probe) : null;
        services.AddSingleton<IValidateOptions<TelemetryOptions>>(new TelemetryOptionsValidator(portError));
        // Invalid options register nothing more: the validator reports them when the host starts.
        if (!running || options is null || !options.Enabled || portError is not null
            || new TelemetryOptionsValidator().Validate(null, options).Failed)
            return services;
        var builder = services.AddOpenTelemetry();
        builder.ConfigureResource(resource => resource.AddService("pluginhost", serviceVersion: Version))
            .WithMetrics(metrics => Configure(metrics, options));
        if (options.Tracing)
            builder.WithTracing(tracing => Configure(tracing, options));
        if (options.HttpPort is { } port)
            services.AddHostedService(provider => new HealthEndpoint(port, provider));
        return services;
    }

    /// <summary>
    /// The messaging spans to OTLP: new traces sampled at <see cref="TelemetryOptions.TraceSampleRatio"/> by
    /// <see cref="MessageTracing"/> itself before it makes a span, so OpenTelemetry records every span it is given.
    /// </summary>
    public static TracerProviderBuilder Configure(TracerProviderBuilder tracing, TelemetryOptions options)
    {
        MessageTracing.RootSampleRatio = options.TraceSampleRatio;
        tracing.AddSource(MessageTracing.SourceName).SetSampler(new AlwaysOnSampler());
        if (options.OtlpEndpoint is { } endpoint)
            tracing.AddOtlpExporter(exporter => { exporter.Endpoint = Signal(endpoint, options.OtlpProtocol, "traces"); exporter.Protocol = options.OtlpProtocol; });
        return tracing;
    }

    /// <summary>The host's meters, the renames, and the exporters <paramref name="options"/> ask for.</summary>
    public static MeterProviderBuilder Configure(MeterProviderBuilder metrics, TelemetryOptions options)
    {
        metrics.AddMeter(BrokerMetrics.MeterName, PluginMetrics.MeterName, PolicyMetrics.MeterName);
        if (options.RuntimeMetrics)
            metrics.AddMeter(RuntimeMeter);
        foreach (var (instrument, exported) in Renames)
            metrics.AddView(instrument, new MetricStreamConfiguration { Name = exported });
        if (options.OtlpEndpoint is { } endpoint)
        {
            metrics.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = Signal(endpoint, options.OtlpProtocol, "metrics");
                exporter.Protocol = options.OtlpProtocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
            });
        }
        if (options.HttpPort is { } port)
        {
            metrics.AddPrometheusHttpListener(listener =>
            {
                listener.Host = "127.0.0.1";
                listener.Port = port;
                listener.ScrapeEndpointPath = "/metrics";
            });
        }
        return metrics;
    }

    // OTLP over HTTP posts each signal to its own path of the collector (/v1/metrics, /v1/traces); gRPC has one address.
    private static Uri Signal(Uri endpoint, OtlpExportProtocol protocol, string signal) =>
        protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), $"v1/{signal}") : endpoint;

    // A conversion error is the strict configuration's to report; here it only means "nothing to register".
    private static TelemetryOptions? Bind(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string? PortError(int port)
    {
        if (port is < 1 or > 65535)
            return null;
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    private static string? Version =>
        typeof(TelemetryRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
}
