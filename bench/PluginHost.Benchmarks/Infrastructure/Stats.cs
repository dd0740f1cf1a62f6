namespace PluginHost.Benchmarks.Infrastructure;

public static class Stats
{
    public static double Median(IReadOnlyCollection<double> samples)
    {
        var s = Sorted(samples);
        var mid = s.Length / 2;
        return s.Length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    /// <summary>Nearest-rank percentile (p in 0..100).</summary>
    public static double Percentile(IReadOnlyCollection<double> samples, double p)
    {
        var s = Sorted(samples);
        var rank = (int)Math.Ceiling(p / 100 * s.Length);
        return s[Math.Clamp(rank - 1, 0, s.Length - 1)];
    }

    private static double[] Sorted(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
            throw new ArgumentException("No samples.", nameof(samples));
        var s = samples.ToArray();
        Array.Sort(s);
        return s;
    }
}
