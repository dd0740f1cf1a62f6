using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What charging large blocks to their interpreter costs Python code (the raw-allocator wrapper,
/// <see cref="PythonRuntimeOptions.TrackLargeAllocations"/>): allocation-heavy loops in one own-GIL interpreter,
/// against the same loops in a child process of this program whose runtime runs without the wrapper (CPython installs
/// allocators once, before initialisation, so the two cannot share a process). Each repeat times ours, then the
/// child's; the ratio is the median of the per-repeat ratios (baseline time / ours: below 1 is the wrapper's cost).
/// </summary>
public sealed class AllocationBenchmark : IBenchmark
{
    // The loop's own CPU time (thread_time_ns, inside the interpreter): single-threaded and CPU-bound, it is what the
    // wrapper adds to, and it does not count the time the thread waits for a core on a busy machine. Scaled by --count.
    private const string Source = """
        import json, time

        def obmalloc_only(n):
            # Tuples of small ints: every block from the interpreter's own obmalloc; the wrapper never runs.
            t = time.thread_time_ns()
            for i in range(n):
                x = (i, i + 1, i + 2)
            return time.thread_time_ns() - t

        def large_1k(n):
            # One 1 KiB bytes object allocated and freed per turn: a raw block each, the wrapper's worst case.
            t = time.thread_time_ns()
            for i in range(n):
                x = bytes(1024)
            return time.thread_time_ns() - t

        def list_growth(n):
            # Lists of 1,000 grown by append (10 n appends): their buffers pass 512 bytes and are realloc'd as they grow.
            t = time.thread_time_ns()
            for i in range(n // 100):
                items = []
                for k in range(1000):
                    items.append(k)
            return time.thread_time_ns() - t

        DOC = {"items": [{"id": i, "name": "item-%d" % i, "tags": ["a", "b"], "price": i * 1.5} for i in range(100)]}

        def json_roundtrip(n):
            # A typical plugin's work: a 7 KB document dumped and parsed (strings, dicts and lists of all sizes).
            t = time.thread_time_ns()
            for i in range(n // 1000):
                json.loads(json.dumps(DOC))
            return time.thread_time_ns() - t
        """;

    private static readonly string[] Cases = ["obmalloc_only", "large_1k", "list_growth", "json_roundtrip"];

    public string Name => "allocations";

    public string Description => "allocation-heavy Python with large blocks charged to interpreters vs without (child process)";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var count = o.Count ?? 1_000_000;
        var tracking = context.Runtime.LargeAllocationsTracked;
        await using var interpreter = await context.Runtime.CreateInterpreterAsync(new InterpreterOptions { Name = "bench-alloc" });
        await interpreter.RunAsync(Source);
        await TimeAllAsync(interpreter, count / 10);   // warm-up: specialisation, first-use allocations

        var ours = Cases.ToDictionary(c => c, _ => new List<double>());
        var baseline = Cases.ToDictionary(c => c, _ => new List<double>());
        var withBaseline = !o.NoBaselines && tracking;
        if (!tracking)
            context.Log.WriteLine("allocations: this runtime does not track large blocks (--no-large-allocation-tracking): no baseline.");
        for (var r = 0; r < o.Repeats; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var (name, seconds) in await TimeAllAsync(interpreter, count))
                ours[name].Add(seconds);
            if (withBaseline)
            {
                foreach (var (name, seconds) in await ChildAsync(context, count, cancellationToken))
                    baseline[name].Add(seconds);
            }
            context.Log.WriteLine($"allocations: repeat {r + 1}/{o.Repeats}: " + string.Join(", ", Cases.Select(c =>
                $"{c} {ours[c][^1]:0.000} s" + (withBaseline ? $" (without {baseline[c][^1]:0.000} s)" : ""))));
        }

        var large = interpreter.LargeBytes;
        foreach (var name in Cases)
        {
            var row = new BenchResult(Name, name, 1, Stats.Median(ours[name]), "s")
            {
                Stat = "median",
                Samples = ours[name].Count,
                Note = $"count = {count:N0}; tracking {(tracking ? "on" : "off")}; the interpreter holds {large?.ToString("N0") ?? "(untracked)"} bytes in large blocks after the runs",
            };
            yield return withBaseline
                ? row with { Baseline = Stats.Median(baseline[name]), Ratio = Stats.Median(baseline[name].Zip(ours[name], (b, x) => b / x).ToArray()) }
                : row;
        }
    }

    private static async Task<List<(string Case, double Seconds)>> TimeAllAsync(SubInterpreter interpreter, int count)
    {
        var times = new List<(string, double)>();
        foreach (var name in Cases)
            times.Add((name, (long)(await interpreter.CallAsync("__main__", name, [count]))! / 1e9));
        return times;
    }

    /// <summary>One repeat of every case in a child process of this program, its runtime without the wrapper.</summary>
    private static async Task<List<(string Case, double Seconds)>> ChildAsync(BenchContext context, int count, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { typeof(AllocationBenchmark).Assembly.Location, "allocations", "--json", "--no-large-allocation-tracking", "--repeats", "1", "--count", $"{count}" })
            start.ArgumentList.Add(argument);
        // The same CPython as this process, however it was found.
        start.Environment["PLUGINHOST_PYTHON"] = context.Runtime.Installation.LibraryPath;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the baseline child process.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"The baseline child exited with code {process.ExitCode}: {(await stderr).Trim()}");
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("case").GetString()!, row.RootElement.GetProperty("value").GetDouble());
        })];
    }
}
