using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;

namespace PluginHost.Host.Telemetry;

/// <summary>
/// What the host exports through OpenTelemetry, bound from <c>PluginHost:Telemetry</c> (docs/observability.md). All
/// off by default: with neither an OTLP endpoint nor a port, OpenTelemetry is not even registered.
/// </summary>
internal sealed class TelemetryOptions
{
    public const string SectionName = "PluginHost:Telemetry";

    /// <summary>Where the OTLP exporter sends metrics (a collector, e.g. <c>http://127.0.0.1:4317</c>); null: no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> (port 4317 by convention) or <c>HttpProtobuf</c> (4318; <c>/v1/metrics</c> and <c>/v1/traces</c> are appended to the endpoint).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>How often metrics are pushed to the OTLP endpoint.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A loopback port (127.0.0.1) serving <c>/metrics</c> (Prometheus) and <c>/healthz</c>; null: no endpoint.</summary>
    [Range(1, 65535)]
    public int? HttpPort { get; set; }

    /// <summary>.NET runtime and process metrics (meter <c>System.Runtime</c>: GC, thread pool, CPU time, working set) besides the host's own.</summary>
    public bool RuntimeMetrics { get; set; } = true;

    /// <summary>Export spans of messages, handlers, requests and host calls to <see cref="OtlpEndpoint"/> (docs/observability.md).</summary>
    public bool Tracing { get; set; }

    /// <summary>The fraction of new traces recorded (a message that continues a trace follows its sender's choice).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;

    public bool Enabled => OtlpEndpoint is not null || HttpPort is not null;
}

/// <summary>Validates <see cref="TelemetryOptions"/> at start, failures worded with configuration keys.</summary>
/// <param name="portError">Why the configured port cannot be listened on (found when the host was built to run), or null.</param>
internal sealed partial class TelemetryOptionsValidator(string? portError = null) : IValidateOptions<TelemetryOptions>
{
    private static readonly GeneratedValidator Generated = new();

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var result = Generated.Validate(name, options);
        if (!result.Failed && options.Tracing && options.OtlpEndpoint is null)
            return ValidateOptionsResult.Fail($"{TelemetryOptions.SectionName}:Tracing: spans go to an OTLP collector: set {TelemetryOptions.SectionName}:OtlpEndpoint too");
        if (!result.Failed && portError is not null)
            return ValidateOptionsResult.Fail($"{TelemetryOptions.SectionName}:HttpPort: cannot listen on 127.0.0.1:{options.HttpPort}: {portError}");
        if (!result.Failed && options.OtlpEndpoint is { } uri && !(uri.IsAbsoluteUri && uri.Scheme is "http" or "https"))
            return ValidateOptionsResult.Fail($"{TelemetryOptions.SectionName}:OtlpEndpoint: '{uri}' is not an http:// or https:// address");
        if (!result.Failed) return result;
        return ValidateOptionsResult.Fail(result.Failures!.Select(f =>
            f.Replace($"{nameof(TelemetryOptions)}.", $"{TelemetryOptions.SectionName}:", StringComparison.Ordinal)));
    }

    [OptionsValidator]
    private sealed partial class GeneratedValidator : IValidateOptions<TelemetryOptions>;
}
