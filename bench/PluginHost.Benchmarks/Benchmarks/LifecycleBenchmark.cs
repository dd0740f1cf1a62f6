using System.Diagnostics;
using System.Runtime.CompilerServices;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What an interpreter costs: resident memory per live idle interpreter, create and dispose times, and the time of a
/// few common stdlib imports in a fresh one; beside them, a worker process's start time and resident memory (process
/// isolation). No baseline runs in-process; the rows carry the targets instead.
/// </summary>
public sealed class LifecycleBenchmark : IBenchmark
{
    private const string Imports = "import json, re, collections, decimal, datetime";
    private const double MiB = 1024 * 1024;

    public string Name => "lifecycle";

    public string Description => "create/dispose time, resident memory per idle interpreter (and worker process), stdlib import time";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var runtime = context.Runtime;

        // Memory first: create/dispose cycles leave memory behind, which would blur the per-interpreter figure.
        var (perLive, keptAfterDispose) = await MeasureMemoryAsync(runtime, o.Live);
        yield return new BenchResult(Name, "rss_per_live_interpreter", o.Live, perLive, "MiB") { Stat = "mean" }.AtMost(3);
        yield return new BenchResult(Name, "rss_kept_after_dispose", o.Live, keptAfterDispose, "MiB")
        { Stat = "mean", Note = "per interpreter, after all were disposed" };

        cancellationToken.ThrowIfCancellationRequested();
        for (var i = 0; i < (o.Warmup ?? 5); i++)
            await (await runtime.CreateInterpreterAsync()).DisposeAsync();
        var (creates, disposes, growth) = await CycleAsync(runtime, o.Cycles);
        yield return Timing("create_median", creates, "median").AtMost(10);
        yield return Timing("create_p95", creates, "p95");
        yield return Timing("dispose_median", disposes, "median");
        yield return Timing("dispose_p95", disposes, "p95");
        yield return new BenchResult(Name, "rss_growth_per_cycle", 1, growth, "MiB") { Stat = "mean", Samples = o.Cycles, Note = "RSS not returned after create+dispose" };

        cancellationToken.ThrowIfCancellationRequested();
        var imports = await TimeImportsAsync(runtime, o.ImportSamples);
        var note = $"'{Imports}' in a fresh interpreter";
        yield return Timing("import_median", imports, "median") with { Note = note };
        yield return Timing("import_p95", imports, "p95") with { Note = note };

        // Beside the subinterpreter's figures above: the same for an instance in process isolation.
        cancellationToken.ThrowIfCancellationRequested();
        var (starts, rss, pss) = await WorkerLifecycle.MeasureAsync(runtime, o.Workers);
        var workerNote = "spawn of 'pluginhost worker' to its interpreter ready (Started, a first Run answered); compare create_median";
        yield return Timing("worker_start_median", starts, "median") with { Note = workerNote };
        yield return Timing("worker_start_p95", starts, "p95") with { Note = workerNote };
        yield return new BenchResult(Name, "rss_per_idle_worker", o.Workers, rss, "MiB")
        { Stat = "mean", Note = "VmRSS of each idle worker process (shared libraries counted in each); compare rss_per_live_interpreter" };
        yield return new BenchResult(Name, "pss_per_idle_worker", o.Workers, pss, "MiB")
        { Stat = "mean", Note = "Pss of each idle worker process (shared pages split between the processes sharing them)" };
    }

    private BenchResult Timing(string name, List<double> ms, string stat) =>
        new(Name, name, 1, stat == "median" ? Stats.Median(ms) : Stats.Percentile(ms, 95), "ms") { Stat = stat, Samples = ms.Count };

    /// <summary>RSS delta per live idle interpreter, and what stays resident per interpreter once they are all disposed.</summary>
    private static async Task<(double PerLive, double KeptAfterDispose)> MeasureMemoryAsync(PythonRuntime runtime, int count)
    {
        // A first interpreter kept alive, so one-time costs of the first creation are not charged to the others.
        await using var warm = await runtime.CreateInterpreterAsync();
        await warm.RunAsync("x = 1");
        var before = ProcessMemory.ResidentBytesAfterGc();
        var live = new List<SubInterpreter>();
        for (var i = 0; i < count; i++)
        {
            live.Add(await runtime.CreateInterpreterAsync());
            await live[^1].RunAsync("x = 1");
        }
        var during = ProcessMemory.ResidentBytesAfterGc();
        await Task.WhenAll(live.Select(x => x.DisposeAsync().AsTask()));
        var after = ProcessMemory.ResidentBytesAfterGc();
        return ((during - before) / MiB / count, (after - before) / MiB / count);
    }

    /// <summary>Times <paramref name="cycles"/> create/dispose cycles, and the resident memory they leave per cycle.</summary>
    internal static async Task<(List<double> Creates, List<double> Disposes, double GrowthMiB)> CycleAsync(PythonRuntime runtime, int cycles)
    {
        var creates = new List<double>();
        var disposes = new List<double>();
        var before = ProcessMemory.ResidentBytesAfterGc();
        for (var i = 0; i < cycles; i++)
        {
            var sw = Stopwatch.StartNew();
            var interpreter = await runtime.CreateInterpreterAsync();
            creates.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            await interpreter.DisposeAsync();
            disposes.Add(sw.Elapsed.TotalMilliseconds);
        }
        var after = ProcessMemory.ResidentBytesAfterGc();
        return (creates, disposes, (after - before) / MiB / cycles);
    }

    private static async Task<List<double>> TimeImportsAsync(PythonRuntime runtime, int samples)
    {
        var times = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            await using var interpreter = await runtime.CreateInterpreterAsync();
            await interpreter.RunAsync("pass"); // the first work item's hand-off is not part of the imports
            var sw = Stopwatch.StartNew();
            await interpreter.RunAsync(Imports);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return times;
    }
}
