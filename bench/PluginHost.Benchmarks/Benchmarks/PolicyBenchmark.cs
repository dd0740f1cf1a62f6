using System.Diagnostics;
using System.Runtime.CompilerServices;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What enforcement costs (docs/isolation.md, "Cost"): the same loops (baselines/policy_loops.py) in a governed
/// subinterpreter, an ungoverned one (the process-wide hook and guards, no policy) and plain <c>python3.X -I</c>
/// (neither), in one run: <c>open()</c> of a file in the plugin's folder (a path resolved per call), <c>os.write</c>
/// to /dev/null (a guarded function) and <c>sys._getframe</c> (an audit event the policy ignores); then standard
/// library imports and interpreter creation, governed against ungoverned.
/// </summary>
public sealed class PolicyBenchmark : IBenchmark
{
    private const string Imports = "import json, re, collections, decimal, datetime, csv, email.mime.text, asyncio, sqlite3, logging, argparse, pathlib, zipfile, urllib.parse, xml.etree.ElementTree, http.client, unittest, dataclasses";

    public string Name => "policy";

    public string Description => "enforcement cost: open(), a guarded call, an ignored event, imports, creation; governed vs ungoverned vs python3";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var count = o.Count ?? 100_000;
        var home = Directory.CreateTempSubdirectory("pluginhost-bench-policy-").FullName;
        var file = Path.Combine(home, "data.txt");
        File.WriteAllText(file, "x");
        try
        {
            var loops = File.ReadAllText(PythonBaseline.Script("policy_loops.py"));
            await using var governed = await context.Runtime.CreateInterpreterAsync(policy: Policy(home, Capability.None));
            await using var reading = await context.Runtime.CreateInterpreterAsync(policy: Policy(home, Capability.FileSystemRead));
            await using var plain = await context.Runtime.CreateInterpreterAsync();
            foreach (var interpreter in new[] { governed, reading, plain })
                await interpreter.RunAsync(loops.Replace("if __name__ == \"__main__\":", "if False:", StringComparison.Ordinal));

            foreach (var (loop, n, note) in new[]
            {
                ("open_close", count / 5, "open(f).close() of a file in the plugin's folder"),
                ("write_null", count * 2, "os.write(fd, b'x') to /dev/null: a native guard"),
                ("getframe", count * 10, "sys._getframe(): an audit event the policy ignores"),
            })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ours = await BestAsync(governed, loop, n, file, o.Repeats);
                var ungoverned = await BestAsync(plain, loop, n, file, o.Repeats);
                var python = (await PythonBaseline.RunAsync(context, "policy_loops.py", [loop, n, file], cancellationToken)).GetProperty("seconds").GetDouble();
                context.Log.WriteLine($"{Name}: {loop} x{n}: governed {ours:0.000} s, ungoverned {ungoverned:0.000} s, python3 {python:0.000} s");
                yield return Row(loop + "_vs_python3", n, ours, python, $"{note}; baseline plain python3 -I, no hook, no guards");
                yield return Row(loop + "_vs_ungoverned", n, ours, ungoverned, $"{note}; baseline an ungoverned subinterpreter (hook and guards, no policy)");
                if (loop == "open_close")
                    yield return Row("open_close_granted_vs_ungoverned", n, await BestAsync(reading, loop, n, file, o.Repeats), ungoverned, "the same, the plugin granted filesystem.read");
            }

            var (importsGoverned, importsPlain) = await AlternateAsync(o.ImportSamples,
                () => TimeImportsAsync(context.Runtime, Policy(home, Capability.None)),
                () => TimeImportsAsync(context.Runtime, null));
            yield return Row("imports_vs_ungoverned", 1, Stats.Median(importsGoverned), Stats.Median(importsPlain), $"median of {o.ImportSamples} fresh interpreters: {Imports}") with { Unit = "ms", Stat = "median" };

            var (createGoverned, createPlain) = await AlternateAsync(o.Cycles,
                () => TimeCreateAsync(context.Runtime, Policy(home, Capability.None)),
                () => TimeCreateAsync(context.Runtime, null));
            yield return Row("create_vs_ungoverned", 1, Stats.Median(createGoverned), Stats.Median(createPlain), $"median of {o.Cycles} create+dispose cycles") with { Unit = "ms", Stat = "median" };
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private BenchResult Row(string name, int n, double ours, double baseline, string note) =>
        new(Name, name, n, ours, "s") { Baseline = baseline, Ratio = ours / baseline, Stat = "best", Note = note + " (ratio: ours / baseline, lower is better)" };

    private static InterpreterPolicy Policy(string home, Capability granted) =>
        new() { Owner = "plugin 'bench'", Home = home, Granted = granted };

    private static async Task<double> BestAsync(SubInterpreter interpreter, string loop, int count, string path, int repeats)
    {
        await interpreter.EvaluateAsync($"timed('{loop}', {Math.Max(1, count / 10)}, {System.Text.Json.JsonSerializer.Serialize(path)})");
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
            best = Math.Min(best, Convert.ToDouble(await interpreter.EvaluateAsync($"timed('{loop}', {count}, {System.Text.Json.JsonSerializer.Serialize(path)})"), System.Globalization.CultureInfo.InvariantCulture));
        return best;
    }

    private static async Task<(List<double> A, List<double> B)> AlternateAsync(int samples, Func<Task<double>> a, Func<Task<double>> b)
    {
        await a();
        await b();
        var (first, second) = (new List<double>(), new List<double>());
        for (var i = 0; i < samples; i++)
        {
            first.Add(await a());
            second.Add(await b());
        }
        return (first, second);
    }

    private static async Task<double> TimeImportsAsync(PythonRuntime runtime, InterpreterPolicy? policy)
    {
        await using var interpreter = await runtime.CreateInterpreterAsync(policy: policy);
        var clock = Stopwatch.StartNew();
        await interpreter.RunAsync(Imports);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<double> TimeCreateAsync(PythonRuntime runtime, InterpreterPolicy? policy)
    {
        var clock = Stopwatch.StartNew();
        await (await runtime.CreateInterpreterAsync(policy: policy)).DisposeAsync();
        return clock.Elapsed.TotalMilliseconds;
    }
}
