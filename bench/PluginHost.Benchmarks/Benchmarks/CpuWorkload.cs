using System.Diagnostics;
using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>A CPU-bound pure-Python function (an integer hash loop: no I/O, no allocation beyond small ints).</summary>
internal static class CpuWorkload
{
    private const string Source = """
        def work(n):
            h = 0
            for i in range(n):
                h = ((h * 1000003) ^ i) & 0xFFFFFFFFFFFF
            return h
        """;

    /// <summary>Defines <c>work</c> in the interpreter's <c>__main__</c> (not timed by callers).</summary>
    public static Task DefineAsync(SubInterpreter interpreter) => interpreter.RunAsync(Source);

    /// <summary>Runs one unit of <paramref name="iterations"/> loop turns and returns its checksum.</summary>
    public static async Task<long> RunAsync(SubInterpreter interpreter, long iterations) =>
        (long)(await interpreter.CallAsync("__main__", "work", [iterations]).ConfigureAwait(false))!;

    /// <summary>Finds the loop length that takes about <paramref name="seconds"/> in one interpreter.</summary>
    public static async Task<long> CalibrateAsync(PythonRuntime runtime, double seconds, TextWriter log)
    {
        await using var interpreter = await runtime.CreateInterpreterAsync().ConfigureAwait(false);
        await DefineAsync(interpreter).ConfigureAwait(false);
        long iterations = 100_000;
        double elapsed;
        while ((elapsed = await TimeAsync(interpreter, iterations).ConfigureAwait(false)) < 0.1)
            iterations *= 2;
        // Best of three at the probe length, so one descheduling does not shrink the unit.
        for (var i = 0; i < 2; i++)
            elapsed = Math.Min(elapsed, await TimeAsync(interpreter, iterations).ConfigureAwait(false));
        var estimate = (long)(iterations * seconds / elapsed);
        // Short runs extrapolate poorly (the specialising interpreter warms up): correct once at full length.
        var check = await TimeAsync(interpreter, estimate).ConfigureAwait(false);
        var calibrated = (long)(estimate * seconds / check);
        log.WriteLine($"parallel: {estimate:N0} iterations took {check:0.000} s; one unit = {calibrated:N0} iterations (~{seconds} s)");
        return calibrated;
    }

    private static async Task<double> TimeAsync(SubInterpreter interpreter, long iterations)
    {
        var sw = Stopwatch.StartNew();
        await RunAsync(interpreter, iterations).ConfigureAwait(false);
        return sw.Elapsed.TotalSeconds;
    }
}
