namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>
/// Where a latency distribution's tail lies, for finding its cause: how many samples fall in each band, and how the
/// slow ones (over 50 µs) are spaced — evenly every N samples points at a periodic cause (a GC, a ticker), clustered at
/// random at the machine (preemption).
/// </summary>
public static class Tail
{
    private static readonly double[] Bands = [5, 10, 20, 50, 100, 200, 1000];

    public static string Describe(IReadOnlyList<double> samplesMicroseconds)
    {
        var counts = new int[Bands.Length + 1];
        var slow = new List<int>();
        for (var i = 0; i < samplesMicroseconds.Count; i++)
        {
            var v = samplesMicroseconds[i];
            var band = Array.FindIndex(Bands, b => v <= b);
            counts[band < 0 ? Bands.Length : band]++;
            if (v > 50)
                slow.Add(i);
        }
        var bands = string.Join(" ", Bands.Select((b, i) => $"<={b}:{counts[i]}")) + $" >{Bands[^1]}:{counts[^1]}";
        var gaps = slow.Zip(slow.Skip(1), (a, b) => (double)(b - a)).ToList();
        var spacing = gaps.Count == 0 ? "n/a" : $"median gap {Stats.Median(gaps):0} samples, {gaps.Count(g => g <= 2)} of {gaps.Count} gaps <= 2";
        return $"us bands {bands}; {slow.Count} over 50 us ({spacing})";
    }
}
