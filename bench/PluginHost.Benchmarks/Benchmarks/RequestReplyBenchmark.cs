using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// Round-trip latency of a small request from one plugin to another (<c>pluginhost.request(..., to=)</c>, answered
/// by the other's <c>on_message</c>), timed inside the requesting plugin, against a round trip over
/// <c>multiprocessing.Pipe</c> between two Python processes, measured in the same run. Also, for reference, the same
/// round trip from .NET (<see cref="IMessageBus.RequestAsync"/>) to the plugin, and the plugin round trip with the
/// echo plugin in a worker process (<c>"isolation": "process"</c>).
/// </summary>
public sealed class RequestReplyBenchmark : IBenchmark
{
    public string Name => "request-reply";

    public string Description => "plugin -> plugin (and -> a worker process) request/reply round trip p50/p99 vs multiprocessing.Pipe";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = context.Options;
        var count = o.Count ?? 20_000;
        var warmup = o.Warmup ?? 2_000;
        var size = o.Size;

        List<double> ours, dotnet;
        await using (var rig = await BrokerRig.StartAsync(context, [BenchPlugins.EchoPlugin(), BenchPlugins.ClientPlugin()]))
        {
            var collections = GC.CollectionCount(0);
            var samples = await rig.RequestAsync(BenchPlugins.Client, "bench.run", new { count, warmup, size });
            collections = GC.CollectionCount(0) - collections;
            ours = samples.EnumerateArray().Select(s => s.GetInt64() / 1000.0).ToList();
            context.Log.WriteLine($"{Name}: plugin -> plugin {Tail.Describe(ours)}; .NET gen0 collections during the run (warm-up included): {collections}");
            dotnet = await DotNetRoundTripsAsync(rig, count, warmup, size);
        }
        // The same round trips with the echo plugin in process isolation: each request and reply crosses the worker channel.
        List<double> worker;
        await using (var rig = await BrokerRig.StartAsync(context, [BenchPlugins.EchoPlugin() with { Isolation = "process" }, BenchPlugins.ClientPlugin()]))
        {
            var samples = await rig.RequestAsync(BenchPlugins.Client, "bench.run", new { count, warmup, size });
            worker = samples.EnumerateArray().Select(s => s.GetInt64() / 1000.0).ToList();
            context.Log.WriteLine($"{Name}: plugin -> worker plugin {Tail.Describe(worker)}");
        }
        context.Log.WriteLine($"{Name}: plugin -> plugin p50 {Stats.Median(ours):0.0} us p99 {Stats.Percentile(ours, 99):0.0} us; " +
            $".NET -> plugin p50 {Stats.Median(dotnet):0.0} us p99 {Stats.Percentile(dotnet, 99):0.0} us");

        // The faster of the Pipe's two ways (raw bytes or pickled objects) by p50 is the baseline.
        JsonElement? pipe = null;
        var pipeWay = "";
        if (!o.NoBaselines)
        {
            var result = await PythonBaseline.RunAsync(context, "mp_pipe_roundtrip.py", ["--count", count, "--warmup", warmup, "--size", size], cancellationToken);
            var raw = result.GetProperty("send_bytes");
            var pickled = result.GetProperty("send");
            (pipe, pipeWay) = raw.GetProperty("p50_us").GetDouble() <= pickled.GetProperty("p50_us").GetDouble()
                ? (raw, "send_bytes/recv_bytes")
                : (pickled, "send/recv");
        }

        var note = $"{count} round trips of {size} B after {warmup} untimed";
        BenchResult Row(string name, double value, string field) =>
            pipe is { } p
                ? new BenchResult(Name, name, 2, value, "us")
                {
                    Baseline = p.GetProperty(field).GetDouble(),
                    Ratio = p.GetProperty(field).GetDouble() / value,
                    Stat = name.EndsWith("p99", StringComparison.Ordinal) ? "p99" : "median",
                    Samples = count,
                    Note = $"{note}; baseline: multiprocessing.Pipe {pipeWay}, spawn",
                }
                : new BenchResult(Name, name, 2, value, "us")
                {
                    Stat = name.EndsWith("p99", StringComparison.Ordinal) ? "p99" : "median",
                    Samples = count,
                    Note = note,
                };

        var p50 = Row("plugin_p50", Stats.Median(ours), "p50_us");
        yield return pipe is null ? p50 : p50.RatioAtLeast(2);
        yield return Row("plugin_p99", Stats.Percentile(ours, 99), "p99_us");
        // The target for a worker: p50 at most twice the Pipe's, i.e. ratio (pipe / ours) >= 0.5.
        var workerNote = "; the echo plugin in a worker process (isolation: process)";
        var workerP50 = Row("worker_p50", Stats.Median(worker), "p50_us");
        workerP50 = workerP50 with { Note = workerP50.Note + workerNote };
        yield return pipe is null ? workerP50 : workerP50.RatioAtLeast(0.5);
        var workerP99 = Row("worker_p99", Stats.Percentile(worker, 99), "p99_us");
        yield return workerP99 with { Note = workerP99.Note + workerNote };
        yield return new BenchResult(Name, "dotnet_p50", 1, Stats.Median(dotnet), "us")
        {
            Stat = "median", Samples = count, Note = $"{note}; IMessageBus.RequestAsync from .NET to the echo plugin, for reference",
        };
        yield return new BenchResult(Name, "dotnet_p99", 1, Stats.Percentile(dotnet, 99), "us")
        {
            Stat = "p99", Samples = count, Note = $"{note}; IMessageBus.RequestAsync from .NET to the echo plugin, for reference",
        };
    }

    /// <summary>The same round trips started from .NET: request to the echo plugin, await its reply.</summary>
    private static async Task<List<double>> DotNetRoundTripsAsync(BrokerRig rig, int count, int warmup, int size)
    {
        var request = new Message
        {
            Topic = "bench.echo",
            To = BenchPlugins.Echo,
            Payload = new byte[size],
            ContentType = ContentTypes.Bytes,
            Sender = "benchmark",
        };
        var timeout = TimeSpan.FromSeconds(30);
        for (var i = 0; i < warmup; i++)
            await rig.Broker.RequestAsync(request, timeout);
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await rig.Broker.RequestAsync(request, timeout);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return samples;
    }
}
