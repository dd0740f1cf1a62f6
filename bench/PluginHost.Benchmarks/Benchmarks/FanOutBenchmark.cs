using System.Globalization;
using System.Runtime.CompilerServices;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// One publisher plugin, N subscriber plugins (N = 1 .. --max-n), each its own plugin so each gets a copy of every
/// message. Delivered messages/s = N × count / (first publish → last subscriber handled its last message). Baseline
/// in the same run: the same fan-out through <c>_interpqueues</c>, the main interpreter putting every message into N
/// queues drained by N subinterpreters.
/// </summary>
public sealed class FanOutBenchmark : IBenchmark
{
    /// <summary>Timed runs of ours per N after the warm-up; the median is reported. The baseline runs once per N.</summary>
    private const int TimedRuns = 3;

    public string Name => "fan-out";

    public string Description => "one publisher plugin -> N subscriber plugins, delivered msg/s vs _interpqueues fan-out";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var count = o.Count ?? 200_000;
        var size = o.Size;
        double? single = null;
        for (var n = 1; n <= o.MaxN; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var times = new List<double>();
            await using (var run = await PublishRun.StartAsync(context, n))
            {
                await run.WarmUpAsync(context, $"{Name} N={n}", Math.Min(count, 100_000), size);
                for (var r = 0; r < TimedRuns; r++)
                    times.Add(await run.RunAsync(context, $"{Name} N={n} {r + 1}/{TimedRuns}", count, size));
            }
            var seconds = Stats.Median(times);
            var delivered = (double)n * count / seconds;
            single ??= delivered;
            var scaling = (delivered / single.Value).ToString("0.00", CultureInfo.InvariantCulture);
            var row = new BenchResult(Name, "delivered", n, delivered, "msg/s")
            {
                Stat = "median",
                Samples = times.Count,
                Note = $"{count} x {size} B published, {n} subscriber plugin(s); {scaling}x the N=1 rate",
            };
            if (!o.NoBaselines && PythonBaseline.HasInterpQueues(context))
            {
                var queues = await PythonBaseline.RunAsync(context, "interpqueues_throughput.py", ["--count", count, "--size", size, "--subscribers", n], cancellationToken);
                var baseline = queues.GetProperty("msgs_per_s").GetDouble();
                row = row with { Baseline = baseline, Ratio = delivered / baseline, Note = row.Note + "; baseline: _interpqueues, main -> N subinterpreters" };
            }
            yield return row;
        }
    }
}
