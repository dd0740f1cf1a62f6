using System.Diagnostics;
using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>Interpreters created alike, each with <see cref="CpuWorkload"/> defined, timed running units together or in turn.</summary>
internal sealed class InterpreterGroup : IAsyncDisposable
{
    private readonly SubInterpreter[] _interpreters;

    private InterpreterGroup(SubInterpreter[] interpreters) => _interpreters = interpreters;

    public static async Task<InterpreterGroup> CreateAsync(PythonRuntime runtime, int count, InterpreterOptions options)
    {
        var interpreters = new SubInterpreter[count];
        for (var i = 0; i < count; i++)
            interpreters[i] = await runtime.CreateInterpreterAsync(options).ConfigureAwait(false);
        var group = new InterpreterGroup(interpreters);
        await Task.WhenAll(interpreters.Select(CpuWorkload.DefineAsync)).ConfigureAwait(false);
        // A short untimed call in each, so the first timed call pays no first-use costs.
        await Task.WhenAll(interpreters.Select(x => CpuWorkload.RunAsync(x, 10_000))).ConfigureAwait(false);
        return group;
    }

    /// <summary>One unit in every interpreter at once; seconds until the last finishes.</summary>
    public async Task<double> TimeConcurrentAsync(long iterations, long expected)
    {
        var sw = Stopwatch.StartNew();
        var sums = await Task.WhenAll(_interpreters.Select(x => CpuWorkload.RunAsync(x, iterations))).ConfigureAwait(false);
        var seconds = sw.Elapsed.TotalSeconds;
        Check(sums, expected);
        return seconds;
    }

    /// <summary><paramref name="units"/> units one after another in the first interpreter.</summary>
    public async Task<double> TimeSerialAsync(int units, long iterations, long expected)
    {
        var sums = new long[units];
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < units; i++)
            sums[i] = await CpuWorkload.RunAsync(_interpreters[0], iterations).ConfigureAwait(false);
        var seconds = sw.Elapsed.TotalSeconds;
        Check(sums, expected);
        return seconds;
    }

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_interpreters.Select(x => x.DisposeAsync().AsTask())).ConfigureAwait(false);

    private static void Check(long[] sums, long expected)
    {
        if (sums.Any(s => s != expected))
            throw new InvalidOperationException($"work() returned {string.Join(", ", sums)}; expected {expected} everywhere.");
    }
}
