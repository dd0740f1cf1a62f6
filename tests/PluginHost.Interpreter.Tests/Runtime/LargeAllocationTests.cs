using System.Globalization;
using Xunit.Abstractions;

namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>
/// Blocks over 512 bytes come from CPython's raw allocator, which the runtime wraps before initialisation (so these
/// run the probe in a fresh process, once per CPython version): each block is charged to the interpreter that
/// allocated it and credited back when freed, whichever thread frees it.
/// </summary>
public sealed class LargeAllocationTests(ITestOutputHelper output)
{
    private const long MiB = 1 << 20;
    private const long Slack = 256 << 10;   // what the interpreter's own bookkeeping may keep around a step

    [Theory]
    [InlineData(Probe.Python313)]
    [InlineData(Probe.Python312)]
    public async Task LargeBlocksAreChargedToTheirInterpreterAndReturnToAboutZeroWhenFreed(string python)
    {
        var (exitCode, stdout, stderr) = await Probe.RunAsync(python, "large-blocks");
        output.WriteLine(stdout);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var steps = stdout.Split('\n').Select(l => l.Split(' ')).Where(p => p.Length == 3 && p[1].StartsWith("own=", StringComparison.Ordinal))
            .ToDictionary(p => p[0], p => (Own: Figure(p[1]), Other: Figure(p[2])));
        var idle = steps["idle"].Own;

        Assert.InRange(steps["block"].Own - idle, 256 * MiB, 256 * MiB + Slack);
        Assert.InRange(steps["freed"].Own, idle - Slack, idle + Slack);
        Assert.InRange(steps["many"].Own - idle, 100_000 * 1024L, 100_000 * 1100L + Slack);   // the list's buffer too
        Assert.InRange(steps["freed-many"].Own, idle - Slack, idle + Slack);
        Assert.InRange(steps["grown"].Own - idle, 64 * MiB, 65 * MiB);                          // realloc'd in place
        Assert.InRange(steps["shrunk"].Own - idle, 1 * MiB, 1 * MiB + Slack);
        Assert.InRange(steps["freed-grown"].Own, idle - Slack, idle + Slack);
        // Allocated on a Python thread of the interpreter, freed by its owner thread.
        Assert.InRange(steps["thread"].Own - steps["freed-grown"].Own, 32 * MiB, 32 * MiB + 2 * Slack);
        var afterThread = steps["freed-thread"].Own;
        Assert.InRange(afterThread, idle, idle + MiB);   // the threading module stays imported
        // Allocated by C code with the GIL released (lzma's 64 MiB dictionary), on the interpreter's own thread.
        Assert.InRange(steps["released-gil"].Own - afterThread, 64 * MiB, 66 * MiB);
        Assert.InRange(steps["freed-released-gil"].Own, afterThread - Slack, afterThread + 2 * Slack);   // lzma imported
        // The neighbour did nothing: its figure never moved.
        Assert.All(steps.Values, s => Assert.Equal(steps["idle"].Other, s.Other));
        Assert.Contains("finalized", stdout);
        Assert.DoesNotContain("Fatal Python error", stderr);
    }

    private static long Figure(string field) => long.Parse(field[(field.IndexOf('=') + 1)..], CultureInfo.InvariantCulture);
}
