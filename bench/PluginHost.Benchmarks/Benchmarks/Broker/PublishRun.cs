using System.Diagnostics;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks.Broker;

/// <summary>
/// One publisher plugin and N subscriber plugins (each its own plugin, so each gets a copy of every message), started
/// once; each <see cref="RunAsync"/> publishes a batch from inside the publisher's interpreter and waits for every
/// subscriber's "done".
/// </summary>
internal sealed class PublishRun : IAsyncDisposable
{
    private readonly BrokerRig _rig;
    private readonly string[] _subscribers;

    private PublishRun(BrokerRig rig, string[] subscribers)
    {
        _rig = rig;
        _subscribers = subscribers;
    }

    /// <param name="isolation">The subscribers' <c>"isolation"</c> (null: subinterpreters; "process": each in a worker process).</param>
    public static async Task<PublishRun> StartAsync(BenchContext context, int subscribers, string? isolation = null)
    {
        var names = Enumerable.Range(0, subscribers).Select(i => $"bench-sub-{i}").ToArray();
        var plugins = names.Select(n => BenchPlugins.SubscriberPlugin(n) with { Isolation = isolation }).Prepend(BenchPlugins.PublisherPlugin());
        var rig = await BrokerRig.StartAsync(context, plugins).ConfigureAwait(false);
        return new PublishRun(rig, names);
    }

    /// <summary>
    /// Untimed rounds of <paramref name="count"/> messages until the rate settles: at least <paramref name="minRounds"/>
    /// rounds and <paramref name="minSeconds"/> in all, then until the last two rounds' rates differ by less than 10 %,
    /// at most <paramref name="maxRounds"/>. The first million or so messages through a fresh process run 2–4 times
    /// slower than later ones (.NET tiered compilation and PGO are still compiling the broker's code, on the same two
    /// cores), and the rate can sit on a plateau for a few rounds before tier 1 arrives: hence the minimum time.
    /// </summary>
    public async Task WarmUpAsync(BenchContext context, string label, int count, int size, bool view = false, int minRounds = 3, double minSeconds = 3, int maxRounds = 30)
    {
        var rates = new List<double>();
        var total = 0.0;
        for (var round = 1; round <= maxRounds; round++)
        {
            var seconds = await RunAsync(context, $"{label} warm-up {round}", count, size, view).ConfigureAwait(false);
            total += seconds;
            rates.Add(count / seconds);
            if (rates.Count >= minRounds && total >= minSeconds && Math.Abs(rates[^1] - rates[^2]) < 0.1 * Math.Max(rates[^1], rates[^2]))
                return;
        }
        context.Log.WriteLine($"{label}: the rate had not settled after {maxRounds} warm-up rounds; measuring anyway.");
    }

    /// <summary>
    /// Seconds from just before the publisher's first publish to the moment the last subscriber handled its last
    /// message (both read in Python with <c>time.perf_counter_ns()</c>). Checks every subscriber got every message
    /// and every byte. With <paramref name="view"/>, subscribers read payloads through <c>memoryview(message)</c>.
    /// </summary>
    public async Task<double> RunAsync(BenchContext context, string label, int count, int size, bool view = false)
    {
        using var done = _rig.Collect(BenchPlugins.DoneTopic, _subscribers.Length);
        var wall = Stopwatch.StartNew();
        var reply = await _rig.RequestAsync(BenchPlugins.Publisher, "bench.go", new { count, size, subscribers = _subscribers, view }).ConfigureAwait(false);
        var publishedAfter = wall.Elapsed.TotalSeconds;
        var reports = await done.WaitAsync(BrokerRig.LongTimeout).ConfigureAwait(false);
        var wallSeconds = wall.Elapsed.TotalSeconds;

        var start = reply.GetProperty("start_ns").GetInt64();
        var published = reply.GetProperty("published_ns").GetInt64();
        var end = long.MinValue;
        var subscriberCpu = 0L;
        foreach (var report in reports)
        {
            var received = report.GetProperty("received").GetInt64();
            var bytes = report.GetProperty("bytes").GetInt64();
            if (received != count || bytes != (long)count * size)
                throw new InvalidOperationException($"{report.GetProperty("name")} received {received} messages / {bytes} bytes; expected {count} / {(long)count * size}.");
            end = Math.Max(end, report.GetProperty("end_ns").GetInt64());
            subscriberCpu = Math.Max(subscriberCpu, report.GetProperty("cpu_ns").GetInt64());
        }
        var seconds = (end - start) / 1e9;
        context.Log.WriteLine($"{label}: {count} x {size} B to {_subscribers.Length} subscriber(s): {seconds:0.000} s first publish -> last handled " +
            $"(publisher loop {(published - start) / 1e9:0.000} s; .NET wall {wallSeconds:0.000} s, reply after {publishedAfter:0.000} s); " +
            $"CPU per message: publisher thread {reply.GetProperty("cpu_ns").GetInt64() / (double)count:0} ns, busiest subscriber thread {subscriberCpu / (double)count:0} ns");
        return seconds;
    }

    public ValueTask DisposeAsync() => _rig.DisposeAsync();
}
