using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// Cost of one Python → .NET host function call with a small bytes payload (<c>pluginhost.call</c>, echoed back by
/// a synchronous .NET method), against a plain Python function call in the same interpreter and against the
/// broker's request-reply to another plugin (<c>pluginhost.request(..., to=)</c>), all timed per call inside the
/// same plugin in the same run.
/// </summary>
public sealed class HostCallBenchmark : IBenchmark
{
    public string Name => "host-call";

    public string Description => "Python -> .NET host function call p50/p99 vs a plain Python call vs broker request-reply";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var count = o.Count ?? 20_000;
        var warmup = o.Warmup ?? 2_000;
        var size = o.Size;

        JsonElement samples;
        await using (var rig = await BrokerRig.StartAsync(context, [BenchPlugins.EchoPlugin(), CallerPlugin()], [new EchoFunctions()]))
            samples = await rig.RequestAsync(Caller, "bench.run", new { count, warmup, size });

        List<double> Micros(string kind) => [.. samples.GetProperty(kind).EnumerateArray().Select(s => s.GetInt64() / 1000.0)];
        var (host, plain, broker, timer) = (Micros("host"), Micros("plain"), Micros("broker"), Micros("timer"));
        context.Log.WriteLine($"{Name}: host call p50 {Stats.Median(host):0.00} us, plain Python call p50 {Stats.Median(plain):0.00} us, " +
            $"broker request p50 {Stats.Median(broker):0.00} us, timer alone p50 {Stats.Median(timer):0.00} us");

        var note = $"{count} calls of {size} B after {warmup} untimed, each timed with time.perf_counter_ns (timer cost included: p50 {Stats.Median(timer):0.00} us)";
        BenchResult Row(string name, List<double> ours, List<double> baseline, string stat, string against) => new(Name, name, 1, Pick(ours, stat), "us")
        {
            Baseline = Pick(baseline, stat),
            Ratio = Pick(baseline, stat) / Pick(ours, stat),
            Stat = stat,
            Samples = count,
            Note = $"{note}; baseline: {against}",
        };
        yield return Row("vs_broker_p50", host, broker, "median", "pluginhost.request to a plugin in another interpreter (N=2 interpreters)");
        yield return Row("vs_broker_p99", host, broker, "p99", "pluginhost.request to a plugin in another interpreter (N=2 interpreters)");
        yield return Row("vs_plain_p50", host, plain, "median", "a plain Python function call in the same interpreter");
    }

    private static double Pick(List<double> samples, string stat) => stat == "p99" ? Stats.Percentile(samples, 99) : Stats.Median(samples);

    private const string Caller = "bench-caller";

    /// <summary>Times the three kinds of call, interleaved in blocks so that drift hits each alike.</summary>
    private static BenchPlugin CallerPlugin() => new(Caller, """
        import time
        import pluginhost


        def echo(payload):
            return payload


        def on_message(message):
            command = message.payload
            count, warmup, size = command["count"], command["warmup"], command["size"]
            payload = b"x" * size
            call, request, clock = pluginhost.call, pluginhost.request, time.perf_counter_ns
            if call("bench.echo", payload) != payload:
                raise AssertionError("host function echoed something else")
            kinds = {
                "host": lambda: call("bench.echo", payload),
                "plain": lambda: echo(payload),
                "broker": lambda: request("bench.echo", payload, to="bench-echo"),
                "timer": lambda: None,
            }
            for run in kinds.values():
                for _ in range(warmup):
                    run()
            samples = {kind: [] for kind in kinds}
            block = 1000
            for start in range(0, count, block):
                n = min(block, count - start)
                for kind, run in kinds.items():
                    out = samples[kind]
                    for _ in range(n):
                        t0 = clock()
                        run()
                        out.append(clock() - t0)
            return samples
        """, Capabilities: "host:bench.echo");

    /// <summary>The .NET side: a synchronous echo of the bytes it is given.</summary>
    private sealed class EchoFunctions : IHostFunctions
    {
        [HostFunction("bench.echo")]
        public ReadOnlyMemory<byte> Echo(ReadOnlyMemory<byte> payload) => payload;
    }
}
