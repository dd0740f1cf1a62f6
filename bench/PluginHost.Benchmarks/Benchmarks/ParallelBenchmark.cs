using System.Runtime.CompilerServices;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// The same CPU-bound unit in N interpreters with their own GIL at once, against N interpreters sharing one GIL at
/// once and one interpreter doing the N units in turn (the baseline). Only the calls are timed; median of repeats.
/// </summary>
public sealed class ParallelBenchmark : IBenchmark
{
    private static readonly InterpreterOptions OwnGil = new() { Gil = InterpreterGil.Own, Name = "bench-own" };

    private static readonly InterpreterOptions SharedGil = new()
    {
        Gil = InterpreterGil.Shared,
        UseMainObmalloc = true,
        CheckMultiInterpExtensions = false,
        Name = "bench-shared",
    };

    public string Name => "parallel";

    public string Description => "CPU-bound Python in N own-GIL interpreters vs N shared-GIL vs one serial";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var iterations = o.Iterations > 0 ? o.Iterations : await CpuWorkload.CalibrateAsync(context.Runtime, o.UnitSeconds, context.Log);
        var expected = await ChecksumAsync(context.Runtime, iterations);
        var note = $"unit = {iterations} loop iterations";
        for (var n = 1; n <= o.MaxN; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (own, shared, serial) = await MeasureAsync(context, n, iterations, expected);
            BenchResult Row(string name, List<double> times) =>
                new(Name, name, n, Stats.Median(times), "s") { Stat = "median", Samples = times.Count, Note = note };
            yield return Row("serial", serial);
            var ownRow = Row("own_gil", own) with { Baseline = Stats.Median(serial), Ratio = PairedRatio(serial, own) };
            yield return n == Environment.ProcessorCount ? ownRow.RatioAtLeast(0.85 * n) : ownRow;
            yield return Row("shared_gil", shared) with { Baseline = Stats.Median(serial), Ratio = PairedRatio(serial, shared) };
        }
    }

    /// <summary>
    /// Median over repeats of baseline/ours, each pair measured back to back: the VM's speed drifts between repeats,
    /// so this is steadier than a ratio of the two medians (and may differ slightly from baseline/value).
    /// </summary>
    private static double PairedRatio(List<double> baseline, List<double> ours) =>
        Stats.Median(baseline.Zip(ours, (b, o) => b / o).ToArray());

    private static async Task<(List<double> Own, List<double> Shared, List<double> Serial)> MeasureAsync(BenchContext context, int n, long iterations, long expected)
    {
        await using var own = await InterpreterGroup.CreateAsync(context.Runtime, n, OwnGil);
        await using var shared = await InterpreterGroup.CreateAsync(context.Runtime, n, SharedGil);
        await using var serial = await InterpreterGroup.CreateAsync(context.Runtime, 1, OwnGil);

        var cases = new (string Name, Func<Task<double>> Run, List<double> Times)[]
        {
            ("own", () => own.TimeConcurrentAsync(iterations, expected), []),
            ("shared", () => shared.TimeConcurrentAsync(iterations, expected), []),
            ("serial", () => serial.TimeSerialAsync(n, iterations, expected), []),
        };
        for (var r = 0; r < context.Options.Repeats; r++)
        {
            // Rotate the order each repeat so drift in the machine's speed does not favour one case.
            for (var k = 0; k < cases.Length; k++)
            {
                var c = cases[(k + r) % cases.Length];
                c.Times.Add(await c.Run());
            }
            context.Log.WriteLine($"parallel: N={n} repeat {r + 1}/{context.Options.Repeats}: " +
                string.Join(", ", cases.Select(c => $"{c.Name} {c.Times[^1]:0.000} s")));
        }
        return (cases[0].Times, cases[1].Times, cases[2].Times);
    }

    private static async Task<long> ChecksumAsync(PythonRuntime runtime, long iterations)
    {
        await using var interpreter = await runtime.CreateInterpreterAsync(OwnGil);
        await CpuWorkload.DefineAsync(interpreter);
        return await CpuWorkload.RunAsync(interpreter, iterations);
    }
}
