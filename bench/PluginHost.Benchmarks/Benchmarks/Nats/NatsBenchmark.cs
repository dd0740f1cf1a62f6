using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using NATS.Client.Core;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks.Nats;

/// <summary>
/// Plugin → plugin across two pluginhost processes on one loopback nats-server (docs/scale-out.md): 64 B throughput
/// and request-reply latency, each against the bare NATS.Net client doing the same between two processes, in the same
/// run. Needs nats-server (apt-get install nats-server).
/// </summary>
public sealed class NatsBenchmark : IBenchmark
{
    private const string Prefix = "bench";

    public string Name => "nats";

    public string Description => "plugin→plugin across two hosts over NATS vs the bare NATS.Net client (64 B throughput, request-reply p50/p99)";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var log = context.Log;
        var count = context.Options.Count ?? 100_000;
        var requests = Math.Max(100, count / 20);
        var size = context.Options.Size;
        const int Repeats = 3;
        using var server = new NatsBenchServer();
        var plugins = Directory.CreateTempSubdirectory("nats-bench-");
        try
        {
            var (hostA, hostB) = WritePlugins(plugins.FullName);
            await server.StartHostAsync(hostB, Prefix, "NATS subscriptions in place: 6 (", log);
            await server.StartHostAsync(hostA, Prefix, "NATS subscriptions in place: 4 (", log);
            await using var nats = new NatsConnection(NatsOpts.Default with { Url = server.Url });
            await nats.ConnectAsync();

            // Throughput: trigger, then time until the sink reports the count.
            List<Round> ours = [], raw = [], rawHeaders = [], rawOneHeader = [];
            // Both sides long-lived and warmed up alike: the hosts are services, and the first ~100,000 messages run
            // while .NET tiers up the hot paths and the server grows its per-connection buffers (before this, the
            // bare peers were fresh processes each round and the hosts not warmed: rounds 1-2 of the plugins at
            // 35-60k msg/s, round 3 at 130-310k).
            var sink = NatsRawPeers.Start("nats-sink", server.Url);
            var pump = NatsRawPeers.Start("nats-pump", server.Url);
            try
            {
                for (var w = 0; w < 2; w++)
                {
                    var warmOurs = await PluginRoundAsync(nats, count, size);
                    var warmRaw = await RawRoundAsync(nats, count, size);
                    log.WriteLine($"  warm-up round {w + 1}: plugins {warmOurs.Describe(count)}; bare client {warmRaw.Describe(count)}");
                }
                for (var i = 0; i < Repeats; i++)
                {
                    ours.Add(await PluginRoundAsync(nats, count, size));
                    raw.Add(await RawRoundAsync(nats, count, size));
                    rawHeaders.Add(await RawRoundAsync(nats, count, size, "headers"));
                    rawOneHeader.Add(await RawRoundAsync(nats, count, size, "one-header"));
                    log.WriteLine($"  throughput round {i + 1}: plugins {ours[^1].Describe(count)}; bare client {raw[^1].Describe(count)}; "
                        + $"with our headers {rawHeaders[^1].Describe(count)}; with one header {rawOneHeader[^1].Describe(count)}");
                }
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"{e.Message}\n{server.Outputs()}", e);
            }
            finally
            {
                foreach (var peer in (Process[])[sink, pump])
                {
                    peer.Kill();
                    peer.Dispose();
                }
            }
            double Rate(List<Round> rounds) => Stats.Median(rounds.Select(r => r.Rate(count)).ToList());
            double Cpu(List<Round> rounds) => Stats.Median(rounds.Select(r => r.CpuMicrosPerMessage(count)).ToList());
            yield return new BenchResult(Name, $"throughput_{size}B_two_hosts", 2, Rate(ours), "msg/s")
            {
                Baseline = Rate(raw), Ratio = Rate(ours) / Rate(raw), Stat = "median", Samples = Repeats,
                Note = $"{count:N0} messages from a plugin in host A to a plugin in host B; baseline: bare NATS.Net publisher → subscriber in two processes",
            }.RatioAtLeast(0.8);
            // Where the gap goes: the same bare client carrying the transport's per-message headers (no target).
            yield return new BenchResult(Name, $"throughput_{size}B_bare_with_headers", 2, Rate(rawHeaders), "msg/s")
            {
                Baseline = Rate(raw), Ratio = Rate(rawHeaders) / Rate(raw), Stat = "median", Samples = Repeats,
                Note = "bare NATS.Net with Nats-Msg-Id, Ph-Time and Ph-Sender per message (as the transport sends a plugin's message) vs without",
            };
            // What one compact header with the same fields would cost instead (a wire format not adopted: scale-out.md).
            yield return new BenchResult(Name, $"throughput_{size}B_bare_with_one_header", 2, Rate(rawOneHeader), "msg/s")
            {
                Baseline = Rate(raw), Ratio = Rate(rawOneHeader) / Rate(raw), Stat = "median", Samples = Repeats,
                Note = "bare NATS.Net with the same three fields in one header (Ph: id;time;sender) vs without",
            };
            // What a message costs the whole machine (hosts or bare peers, the server, this program): the ratio of
            // these is what the throughput ratio tends to when every core is busy.
            yield return new BenchResult(Name, $"cpu_per_msg_{size}B_two_hosts", 2, Cpu(ours), "µs")
            {
                Baseline = Cpu(raw), Ratio = Cpu(raw) / Cpu(ours), Stat = "median", Samples = Repeats,
                Note = $"busy CPU time of the whole machine per message (/proc/stat); cores busy: plugins {Stats.Median(ours.Select(r => r.BusyShare).ToList()):P0}, bare client {Stats.Median(raw.Select(r => r.BusyShare).ToList()):P0}",
            };
            yield return new BenchResult(Name, $"cpu_per_msg_{size}B_bare_with_headers", 2, Cpu(rawHeaders), "µs")
            {
                Baseline = Cpu(raw), Ratio = Cpu(raw) / Cpu(rawHeaders), Stat = "median", Samples = Repeats,
            };
            // What bounds one publishing plugin whatever the cores: its interpreter thread's CPU per message, against
            // the whole bare pump process's.
            double Publisher(List<Round> rounds) => Stats.Median(rounds.Select(r => r.PublisherCpuMicros).ToList());
            yield return new BenchResult(Name, $"publisher_cpu_per_msg_{size}B", 2, Publisher(ours), "µs")
            {
                Baseline = Publisher(raw), Ratio = Publisher(raw) / Publisher(ours), Stat = "median", Samples = Repeats,
                Note = $"the pump plugin's thread (thread_time_ns) vs the bare pump process (all its threads); bare with our headers {Publisher(rawHeaders):0.00} µs",
            };

            // Request-reply: the plugin measures its own requests; the bare client measures its own.
            using var echo = NatsRawPeers.Start("nats-echo", server.Url);
            try
            {
                var (p50, p99) = await PluginRequestsAsync(nats, requests, size);
                var (rawP50, rawP99) = await RawRequestsAsync(nats, requests, size);
                log.WriteLine($"  request-reply: plugins p50 {p50:0.0} µs p99 {p99:0.0} µs; bare client p50 {rawP50:0.0} µs p99 {rawP99:0.0} µs");
                yield return new BenchResult(Name, "request_reply_p50_two_hosts", 2, p50, "µs")
                {
                    Baseline = rawP50, Ratio = rawP50 / p50, Stat = "p50", Samples = requests,
                    Note = "pluginhost.request from a plugin in host A to one in host B; baseline: bare NATS.Net request → responder process",
                }.RatioAtLeast(0.8);
                yield return new BenchResult(Name, "request_reply_p99_two_hosts", 2, p99, "µs")
                {
                    Baseline = rawP99, Ratio = rawP99 / p99, Stat = "p99", Samples = requests,
                }.RatioAtLeast(0.8);
            }
            finally
            {
                echo.Kill();
            }
        }
        finally
        {
            plugins.Delete(recursive: true);
        }
    }

    /// <summary>One throughput round: how long it took and what the whole machine spent on it.</summary>
    private readonly record struct Round(TimeSpan Elapsed, double CpuSeconds, double BusyShare)
    {
        /// <summary>
        /// The publisher's own CPU per message: the pump plugin's interpreter thread (Python, the broker, the NATS
        /// client's serialization), or the whole bare pump process. One publishing thread cannot go faster than this.
        /// </summary>
        public double PublisherCpuMicros { get; init; }

        public static Round Since(Stopwatch clock, MachineCpu start)
        {
            var end = MachineCpu.Now();
            return new Round(clock.Elapsed, end.BusySecondsSince(start), end.BusyShareSince(start));
        }

        public double Rate(int count) => count / Elapsed.TotalSeconds;

        public double CpuMicrosPerMessage(int count) => CpuSeconds * 1e6 / count;

        public string Describe(int count) =>
            $"{Rate(count):N0}/s, {CpuMicrosPerMessage(count):0.00} µs CPU/msg (publisher {PublisherCpuMicros:0.00}), cores {BusyShare:P0} busy";
    }

    private static Task<Round> PluginRoundAsync(NatsConnection nats, int count, int size) =>
        RoundAsync(nats, count, $"{Prefix}.ctl.go", $"{count} {size}", Text(), $"{Prefix}.bench", "the sink plugin");

    /// <param name="headers">null, "headers" (the transport's three) or "one-header" (the same fields in one).</param>
    private static Task<Round> RawRoundAsync(NatsConnection nats, int count, int size, string? headers = null) =>
        RoundAsync(nats, count, "raw.go", headers is null ? $"{count} {size}" : $"{count} {size} {headers}", null, "raw", "the bare sink");

    /// <summary>
    /// Publishes <paramref name="go"/> on <paramref name="trigger"/> and times it until the sink reports its count on
    /// <c>&lt;replies&gt;.done</c>; the pump reports its own CPU per message on <c>&lt;replies&gt;.pumpcpu</c>.
    /// </summary>
    private static async Task<Round> RoundAsync(NatsConnection nats, int count, string trigger, string go, NatsHeaders? headers, string replies, string sink)
    {
        await using var done = await nats.SubscribeCoreAsync<string>($"{replies}.done");
        await using var pumpCpu = await nats.SubscribeCoreAsync<string>($"{replies}.pumpcpu");
        await nats.PingAsync();
        var cpu = MachineCpu.Now();
        var clock = Stopwatch.StartNew();
        await nats.PublishAsync(trigger, Encoding.UTF8.GetBytes(go), headers);
        var reply = await done.Msgs.ReadAsync();
        var round = Round.Since(clock, cpu);
        if (reply.Data != count.ToString()) throw new InvalidOperationException($"{sink} counted {reply.Data}, not {count}");
        return round with { PublisherCpuMicros = double.Parse((await pumpCpu.Msgs.ReadAsync()).Data!, CultureInfo.InvariantCulture) };
    }

    private static async Task<(double P50, double P99)> PluginRequestsAsync(NatsConnection nats, int requests, int size)
    {
        await using var result = await nats.SubscribeCoreAsync<string>($"{Prefix}.bench.rr");
        await nats.PingAsync();
        await nats.PublishAsync($"{Prefix}.ctl.rr", Encoding.UTF8.GetBytes($"{requests} {Math.Min(requests, 1000)} {size}"), Text());
        var parts = (await result.Msgs.ReadAsync()).Data!.Split(' ');
        return (double.Parse(parts[0]) / 1000, double.Parse(parts[1]) / 1000);
    }

    private static async Task<(double P50, double P99)> RawRequestsAsync(NatsConnection nats, int requests, int size)
    {
        var payload = new byte[size];
        for (var i = 0; i < Math.Min(requests, 1000); i++)
            await nats.RequestAsync<byte[], byte[]>("raw.echo", payload);
        var latencies = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await nats.RequestAsync<byte[], byte[]>("raw.echo", payload);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return (Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99));
    }

    private static NatsHeaders Text() => new() { ["Ph-Content-Type"] = "text/plain; charset=utf-8" };

    /// <summary>Host A: pump (publishes, requests). Host B: sink (counts), echo (replies).</summary>
    private static (string HostA, string HostB) WritePlugins(string root)
    {
        var a = Path.Combine(root, "a");
        var b = Path.Combine(root, "b");
        Plugin(a, "pump", """["ctl.go", "ctl.rr"]""", """
            import time
            import pluginhost

            def on_message(message):
                if message.topic == "ctl.go":
                    count, size = map(int, message.payload.split())
                    data = b"x" * size
                    cpu = time.thread_time_ns()
                    for _ in range(count):
                        pluginhost.publish("bench.data", data)
                    pluginhost.publish("bench.pumpcpu", str((time.thread_time_ns() - cpu) / count / 1000))
                    pluginhost.publish("bench.data", b"END")
                else:
                    count, warm, size = map(int, message.payload.split())
                    data = b"x" * size
                    for _ in range(warm):
                        pluginhost.request("bench.echo", data)
                    took = []
                    for _ in range(count):
                        start = time.perf_counter_ns()
                        pluginhost.request("bench.echo", data)
                        took.append(time.perf_counter_ns() - start)
                    took.sort()
                    pluginhost.publish("bench.rr", f"{took[len(took) // 2]} {took[min(len(took) - 1, len(took) * 99 // 100)]}")
            """);
        Plugin(b, "sink", """["bench.data"]""", """
            import pluginhost

            count = 0

            def on_message(message):
                global count
                if message.payload == b"END":
                    pluginhost.publish("bench.done", str(count))
                    count = 0
                else:
                    count += 1
            """);
        Plugin(b, "echo", """["bench.echo"]""", """
            def on_message(message):
                return message.payload
            """);
        return (a, b);
    }

    private static void Plugin(string root, string name, string subscriptions, string code)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), $$"""{ "name": "{{name}}", "version": "1.0.0", "entry": "main", "subscriptions": {{subscriptions}} }""");
        File.WriteAllText(Path.Combine(folder, "main.py"), code);
    }
}
