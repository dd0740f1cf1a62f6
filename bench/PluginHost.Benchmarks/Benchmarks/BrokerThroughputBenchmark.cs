using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// One plugin publishes small (64 B) and then large (1 MiB) bytes messages to one subscriber plugin through the
/// broker; messages/s and bytes/s from the first publish to the subscriber having handled the last message. In the
/// same run, the same counts and sizes through CPython's <c>_interpqueues</c> (main interpreter → a subinterpreter)
/// and through <c>multiprocessing.Queue</c> (two processes). Then 64 B messages to a subscriber in process isolation,
/// against <c>multiprocessing.Queue</c> at the same count.
/// </summary>
public sealed class BrokerThroughputBenchmark : IBenchmark
{
    /// <summary>Timed runs of ours after the warm-up; the median is reported. Each baseline runs once.</summary>
    private const int TimedRuns = 3;

    public string Name => "broker-throughput";

    public string Description => "plugin -> plugin publish throughput, 64 B and 1 MiB, and 64 B to a worker process, vs _interpqueues and multiprocessing.Queue";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var smallCount = o.Count ?? 1_000_000;
        await using var run = await PublishRun.StartAsync(context, subscribers: 1);

        foreach (var (count, size, large) in new[] { (smallCount, o.Size, false), (o.LargeCount, o.LargeSize, true) })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var label = large ? "large" : "small";
            var times = await TimeAsync(run, context, label, count, size, view: false);
            // Large payloads are also timed as a plugin would read them without a copy: memoryview(message).
            var viewTimes = large ? await TimeAsync(run, context, "large view", count, size, view: true) : null;
            var seconds = Stats.Median(times);
            var msgs = count / seconds;
            var bytes = (double)count * size / seconds;

            JsonElement? queues = null, mp = null;
            if (!o.NoBaselines)
            {
                if (PythonBaseline.HasInterpQueues(context))
                    queues = await PythonBaseline.RunAsync(context, "interpqueues_throughput.py", ["--count", count, "--size", size], cancellationToken);
                mp = await PythonBaseline.RunAsync(context, "mp_queue_throughput.py", ["--count", count, "--size", size], cancellationToken);
            }

            var note = $"{count} x {size} B, 1 publisher plugin -> 1 subscriber plugin";
            BenchResult Row(string name, double value, string unit, JsonElement? baseline, string field, double scale, string against)
            {
                var row = new BenchResult(Name, name, 1, value, unit) { Stat = "median", Samples = times.Count, Note = $"{note}; baseline: {against}" };
                if (baseline is not { } b)
                    return row with { Note = note };
                var baselineValue = b.GetProperty(field).GetDouble() / scale;
                return row with { Baseline = baselineValue, Ratio = value / baselineValue };
            }

            if (!large)
            {
                var vsQueues = Row("small_msgs", msgs, "msg/s", queues, "msgs_per_s", 1, "_interpqueues main -> subinterpreter");
                yield return queues is null ? vsQueues : vsQueues.RatioAtLeast(2);
                if (mp is not null)
                    yield return Row("small_msgs_vs_mp_queue", msgs, "msg/s", mp, "msgs_per_s", 1, "multiprocessing.Queue, spawn").RatioAtLeast(10);
                yield return Row("small_bytes", bytes / 1e6, "MB/s", queues, "bytes_per_s", 1e6, "_interpqueues main -> subinterpreter");
            }
            else
            {
                yield return Row("large_bytes", bytes / 1e9, "GB/s", queues, "bytes_per_s", 1e9, "_interpqueues main -> subinterpreter; ours reads message.payload (the one copy: the sender's bytes is lent)").AtLeast(5);
                var viewBytes = (double)count * size / Stats.Median(viewTimes!) / 1e9;
                yield return Row("large_bytes_view", viewBytes, "GB/s", queues, "bytes_per_s", 1e9, "_interpqueues main -> subinterpreter; ours reads memoryview(message) (no copy at all: the per-message cost)").AtLeast(5);
                if (mp is not null)
                    yield return Row("large_bytes_vs_mp_queue", bytes / 1e9, "GB/s", mp, "bytes_per_s", 1e9, "multiprocessing.Queue, spawn");
                yield return Row("large_msgs", msgs, "msg/s", queues, "msgs_per_s", 1, "_interpqueues main -> subinterpreter");
            }
        }

        await foreach (var row in WorkerAsync(context, cancellationToken))
            yield return row;
    }

    /// <summary>
    /// The same small messages with the subscriber in process isolation (a worker process): publisher in a
    /// subinterpreter here, the subscriber's handler in the worker's main interpreter, every message across the worker
    /// channel; against <c>multiprocessing.Queue</c> at the same count, run after it.
    /// </summary>
    private async IAsyncEnumerable<BenchResult> WorkerAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var o = context.Options;
        var count = o.WorkerCount;
        List<double> times;
        await using (var run = await PublishRun.StartAsync(context, subscribers: 1, isolation: "process"))
            times = await TimeAsync(run, context, "worker", count, o.Size, view: false);
        var msgs = count / Stats.Median(times);
        var note = $"{count} x {o.Size} B, 1 publisher plugin (subinterpreter) -> 1 subscriber plugin in a worker process (isolation: process)";
        var row = new BenchResult(Name, "worker_small_msgs", 1, msgs, "msg/s") { Stat = "median", Samples = times.Count, Note = note };
        if (o.NoBaselines)
        {
            yield return row;
            yield break;
        }
        var mp = await PythonBaseline.RunAsync(context, "mp_queue_throughput.py", ["--count", count, "--size", o.Size], cancellationToken);
        var baseline = mp.GetProperty("msgs_per_s").GetDouble();
        yield return (row with { Baseline = baseline, Ratio = msgs / baseline, Note = $"{note}; baseline: multiprocessing.Queue, spawn" }).RatioAtLeast(2);
    }

    private static async Task<List<double>> TimeAsync(PublishRun run, BenchContext context, string label, int count, int size, bool view)
    {
        await run.WarmUpAsync(context, $"broker-throughput {label}", Math.Max(1, Math.Min(count, size >= 65536 ? 1_000 : 200_000)), size, view);
        var times = new List<double>();
        for (var r = 0; r < TimedRuns; r++)
            times.Add(await run.RunAsync(context, $"broker-throughput {label} {r + 1}/{TimedRuns}", count, size, view));
        return times;
    }
}
