using System.Runtime.CompilerServices;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Host.Telemetry;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What exporting metrics costs the broker: small (64 B) plugin → plugin messages, as in broker-throughput, with and
/// without the host's OpenTelemetry metrics pipeline listening (its meters, views and runtime metrics, a reader that
/// collects every second into an exporter that discards: the cost of measuring, not of a network). The two are timed
/// alternately in one run, so drift affects both; the ratio is the rate with metrics over the rate without.
/// </summary>
public sealed class TelemetryOverheadBenchmark : IBenchmark
{
    private const int Pairs = 9;

    public string Name => "telemetry-overhead";

    public string Description => "broker small-message throughput with the OpenTelemetry metrics pipeline, and with tracing on but unsampled, vs without, alternately in one run";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var count = context.Options.Count ?? 300_000;
        var size = context.Options.Size;
        await using var run = await PublishRun.StartAsync(context, subscribers: 1);
        await run.WarmUpAsync(context, "telemetry-overhead", Math.Min(count, 200_000), size);
        // The pipeline's own first use (its listener, aggregation, JIT) is not what a running host pays per message.
        using (MetricsPipeline())
            await run.WarmUpAsync(context, "telemetry-overhead on", Math.Min(count, 200_000), size, minRounds: 2, minSeconds: 1);
        using (TracingPipeline(0))
            await run.WarmUpAsync(context, "telemetry-overhead tracing", Math.Min(count, 200_000), size, minRounds: 2, minSeconds: 1);
        var off = new List<double>();
        var metrics = new List<double>();
        var unsampled = new List<double>();
        for (var pair = 1; pair <= Pairs; pair++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            off.Add(count / await run.RunAsync(context, $"telemetry-overhead off {pair}/{Pairs}", count, size));
            using (MetricsPipeline())
                metrics.Add(count / await run.RunAsync(context, $"telemetry-overhead metrics {pair}/{Pairs}", count, size));
            using (TracingPipeline(0))
                unsampled.Add(count / await run.RunAsync(context, $"telemetry-overhead tracing unsampled {pair}/{Pairs}", count, size));
        }
        var without = Stats.Median(off);
        var note = $"{count} x {size} B, 1 publisher plugin -> 1 subscriber plugin; baseline: the same without OpenTelemetry, timed alternately";
        foreach (var (name, rates) in new[] { ("small_msgs_metrics_on", metrics), ("small_msgs_tracing_unsampled", unsampled) })
        {
            var value = Stats.Median(rates);
            yield return new BenchResult(Name, name, 1, value, "msg/s") { Baseline = without, Ratio = value / without, Stat = "median", Samples = Pairs, Note = note }
                .RatioAtLeast(0.95);
        }
        await foreach (var row in WorkerAsync(context, size, cancellationToken))
            yield return row;
    }

    /// <summary>
    /// The subscriber in a worker process, where a traced message carries its handler span's <c>traceparent</c> to the
    /// worker: tracing every message (ratio 1, spans made and dropped: no exporter) and unsampled, each against tracing
    /// off, alternately; and the same sampled ratio in-process in the same run, so the difference between the two
    /// sampled ratios is what carrying the ids (and the worker's bookkeeping of them) costs beyond making the spans.
    /// </summary>
    private async IAsyncEnumerable<BenchResult> WorkerAsync(BenchContext context, int size, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var count = Math.Min(context.Options.WorkerCount, 100_000);
        const int pairs = 5;
        var rows = new List<BenchResult>();
        foreach (var isolation in new[] { "process", (string?)null })
        {
            await using var run = await PublishRun.StartAsync(context, subscribers: 1, isolation: isolation);
            var label = isolation is null ? "in-process" : "worker";
            await run.WarmUpAsync(context, $"telemetry-overhead {label}", count, size);
            using (TracingPipeline(1))
                await run.WarmUpAsync(context, $"telemetry-overhead {label} sampled", count, size, minRounds: 2, minSeconds: 1);
            var off = new List<double>();
            var sampled = new List<double>();
            var unsampled = new List<double>();
            for (var pair = 1; pair <= pairs; pair++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                off.Add(count / await run.RunAsync(context, $"telemetry-overhead {label} off {pair}/{pairs}", count, size));
                using (TracingPipeline(1))
                    sampled.Add(count / await run.RunAsync(context, $"telemetry-overhead {label} sampled {pair}/{pairs}", count, size));
                if (isolation is not null)
                {
                    using (TracingPipeline(0))
                        unsampled.Add(count / await run.RunAsync(context, $"telemetry-overhead {label} unsampled {pair}/{pairs}", count, size));
                }
            }
            var without = Stats.Median(off);
            var note = $"{count} x {size} B, 1 publisher plugin -> 1 subscriber plugin ({label}); baseline: the same with tracing off, timed alternately";
            var prefix = isolation is null ? "small_msgs" : "worker_small_msgs";
            rows.Add(new BenchResult(Name, $"{prefix}_tracing_sampled", 1, Stats.Median(sampled), "msg/s")
            {
                Baseline = without, Ratio = Stats.Median(sampled) / without, Stat = "median", Samples = pairs, Note = note,
            });
            if (isolation is not null)
                rows.Add(new BenchResult(Name, $"{prefix}_tracing_unsampled", 1, Stats.Median(unsampled), "msg/s")
                {
                    Baseline = without, Ratio = Stats.Median(unsampled) / without, Stat = "median", Samples = pairs, Note = note,
                }.RatioAtLeast(0.95));
        }
        foreach (var row in rows)
            yield return row;
    }

    // Tracing on with new traces sampled at ratio: 0 is the "on but unsampled" (every span asks the sampler and is dropped).
    private static TracerProvider TracingPipeline(double ratio) =>
        TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions { TraceSampleRatio = ratio }).Build();

    private static MeterProvider MetricsPipeline() =>
        TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateMeterProviderBuilder(), new TelemetryOptions())
            .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), exportIntervalMilliseconds: 1000))
            .Build();

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                    _ = point.Tags.Count;
            }
            return ExportResult.Success;
        }
    }
}
