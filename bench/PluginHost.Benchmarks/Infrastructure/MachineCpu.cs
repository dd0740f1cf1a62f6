namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>
/// The whole machine's CPU time from <c>/proc/stat</c>: what a pipeline of several processes (hosts, a server, this
/// program) costs per message, and whether it used every core (a round that did not was waiting, not computing).
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    public static MachineCpu Now()
    {
        // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = fields[3] + fields[4];
        var total = fields.Take(8).Sum();
        return new MachineCpu(total - idle, total);
    }

    /// <summary>Busy CPU seconds since <paramref name="start"/> (the kernel counts in 1/100 s).</summary>
    public double BusySecondsSince(MachineCpu start) => (Busy - start.Busy) / 100.0;

    /// <summary>The share of all cores that was busy since <paramref name="start"/>.</summary>
    public double BusyShareSince(MachineCpu start) => Total == start.Total ? 0 : (double)(Busy - start.Busy) / (Total - start.Total);
}
