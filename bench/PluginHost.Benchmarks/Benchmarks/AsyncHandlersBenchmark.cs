using System.Runtime.CompilerServices;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// <c>async def</c> handlers against sync ones in the same run (issue 19): messages per second of one instance whose
/// handler waits 10 ms (<c>await asyncio.sleep(0.01)</c> at MaxConcurrency 1, 10, 100 and 1000, against
/// <c>time.sleep(0.01)</c>), and the cost per message of one that does not wait at all.
/// </summary>
public sealed class AsyncHandlersBenchmark : IBenchmark
{
    private const string Driver = "bench-async-driver";
    private const string Target = "bench-async-target";
    private static readonly int[] Concurrencies = [1, 10, 100, 1000];

    public string Name => "async-handlers";

    public string Description => "async def handlers vs sync ones: 10 ms simulated I/O per message, and the cost of one that does not wait";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var sleepCount = 100;
        var nopCount = o.Count ?? 100_000;
        var repeats = Math.Max(3, o.Repeats);

        // Enough messages at each concurrency for about a second of 10 ms waits (fewer at 1000: it is bound by the host).
        int SleepCount(int concurrency) => Math.Min(sleepCount * concurrency, 10_000);
        var cases = new List<(string Topic, string Target, int Count)>
        {
            ("bench.sync.nop", Target, nopCount), ("bench.async.nop", Target, nopCount), ("bench.sync.sleep", Target, sleepCount),
        };
        cases.AddRange(Concurrencies.Select(c => ($"bench.async.sleep.c{c}", AsyncTarget(c), SleepCount(c))));

        var rates = new Dictionary<string, List<double>>();
        await using (var rig = await BrokerRig.StartAsync(context, [DriverPlugin(), TargetPlugin(), .. Concurrencies.Select(AsyncTargetPlugin)]))
        {
            // Untimed: warms .NET's tiers and the plugin's code paths (the loop, eager tasks) alike for both sides.
            foreach (var topic in new[] { "bench.sync.nop", "bench.async.nop" })
                await RunCaseAsync(rig, topic, Target, nopCount / 2);
            for (var r = 0; r < repeats; r++)
            {
                // Interleaved, so drift on the shared machine hits each side alike.
                foreach (var (topic, target, count) in cases)
                {
                    var rate = await RunCaseAsync(rig, topic, target, count);
                    (rates.TryGetValue(topic, out var list) ? list : rates[topic] = []).Add(rate);
                    context.Log.WriteLine($"{Name}: {topic} round {r + 1}: {rate:N0} msg/s");
                }
            }
        }

        double Rate(string topic) => Stats.Median(rates[topic]);
        BenchResult Row(string name, double ours, double baseline, double ratio, string unit, string note) => new(Name, name, 1, ours, unit)
        {
            Baseline = baseline,
            Ratio = ratio,
            Stat = "median",
            Samples = repeats,
            Note = note,
        };
        var syncSleep = Rate("bench.sync.sleep");
        foreach (var c in Concurrencies)
        {
            var asyncSleep = Rate($"bench.async.sleep.c{c}");
            var row = Row($"sleep_10ms_concurrency_{c}", asyncSleep, syncSleep, asyncSleep / syncSleep, "msg/s",
                $"{SleepCount(c)} messages per round to one instance with maxConcurrency {c}: async def awaiting asyncio.sleep(0.01) vs def calling time.sleep(0.01) ({sleepCount} per round)");
            yield return c == 100 ? row.RatioAtLeast(50) : row;
        }
        var (syncNop, asyncNop) = (1e6 / Rate("bench.sync.nop"), 1e6 / Rate("bench.async.nop"));
        yield return Row("no_await_per_message", asyncNop, syncNop, syncNop / asyncNop, "us",
            $"{nopCount} messages per round, published by another plugin: an async def handler that returns without waiting vs a def one (whole delivery per message, publish included)")
            .RatioAtLeast(0.5);
    }

    /// <summary>Messages per second from the driver's first publish to the target's last handled message.</summary>
    private static async Task<double> RunCaseAsync(BrokerRig rig, string topic, string target, int count)
    {
        using var done = rig.Collect("bench.done", 1);
        var started = await rig.RequestAsync(Driver, "bench.run", new { topic, target, count });
        var end = (await done.WaitAsync(BrokerRig.LongTimeout))[0];
        if (end.GetProperty("received").GetInt32() != count)
            throw new InvalidOperationException($"{topic}: the target counted {end.GetProperty("received").GetInt32()} of {count}");
        var seconds = (end.GetProperty("end_ns").GetInt64() - started.GetProperty("start_ns").GetInt64()) / 1e9;
        return count / seconds;
    }

    /// <summary>Asked with <c>{topic, target, count}</c>: arms the target, then publishes <c>count</c> small messages on <c>topic</c>.</summary>
    private static BenchPlugin DriverPlugin() => new(Driver, """
        import time
        import pluginhost


        def on_message(message):
            topic, count = message.payload["topic"], message.payload["count"]
            pluginhost.request("bench.expect", count, to=message.payload["target"], timeout=60)
            publish, payload = pluginhost.publish, b"x" * 64
            start = time.perf_counter_ns()
            for _ in range(count):
                publish(topic, payload)
            return {"start_ns": start}
        """);

    /// <summary>
    /// What every target shares: asked (its <c>on_message</c>) with a count, it arms; <c>count()</c> counts a message, and
    /// the armed count's last one publishes <c>bench.done</c>.
    /// </summary>
    private const string Counting = """
        import asyncio
        import time
        import pluginhost

        expected = -1
        received = 0


        def on_message(message):
            global expected, received
            expected, received = message.payload, 0
            return True


        def count():
            global received
            received += 1
            if received == expected:
                pluginhost.publish("bench.done", {"end_ns": time.perf_counter_ns(), "received": received})

        """;

    /// <summary>The no-await handlers and the sync 10 ms one.</summary>
    private static BenchPlugin TargetPlugin() => new(Target, Counting + """

        @pluginhost.on("bench.sync.nop")
        def sync_nop(message):
            count()


        @pluginhost.on("bench.async.nop")
        async def async_nop(message):
            count()


        @pluginhost.on("bench.sync.sleep")
        def sync_sleep(message):
            time.sleep(0.01)
            count()
        """);

    private static string AsyncTarget(int concurrency) => $"bench-async-c{concurrency}";

    /// <summary>The 10 ms async handler, on <c>bench.async.sleep.c{concurrency}</c>, with that maxConcurrency.</summary>
    private static BenchPlugin AsyncTargetPlugin(int concurrency) => new(AsyncTarget(concurrency), Counting + $$"""

        @pluginhost.on("bench.async.sleep.c{{concurrency}}")
        async def async_sleep(message):
            await asyncio.sleep(0.01)
            count()
        """, MaxConcurrency: concurrency);
}
