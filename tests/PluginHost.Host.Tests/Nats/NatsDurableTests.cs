using System.Text;
using System.Text.RegularExpressions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// Durable topics (PluginHost:Nats:Durable) through a JetStream stream on a real nats-server: at least once across a
/// host killed mid-stream and the server's restart, retries then one dead letter, duplicates by id dropped, and the
/// configuration mistakes said at start. Handlers append "&lt;host&gt; &lt;payload&gt;" lines to a shared file, so what a
/// killed host handled is still counted.
/// </summary>
public sealed partial class NatsDurableTests(Xunit.Abstractions.ITestOutputHelper log) : NatsTestBase(jetStream: true), IDisposable
{
    private readonly string _handled = Path.Combine(Directory.CreateTempSubdirectory("durable-").FullName, "handled.txt");

    private static readonly string[] Durable = [
        "--PluginHost:Nats:Durable:0=orders.>", "--PluginHost:Nats:AckWait=00:00:02", "--PluginHost:Nats:RetryDelay=00:00:00.100"];

    [Fact]
    public async Task DurableMessagesSurviveAHostKilledMidStreamEachHandledAtLeastOnce()
    {
        const int count = 200;
        var (a, b) = FeederAndWorker(count, seconds: 0.02);
        var c = Hosts.Folder();
        NatsHosts.Plugin(c, "worker", Subscribes("orders.>"), Worker("c", 0.02));
        var hostB = await Hosts.StartAsync(b, Server.Url, "kill", subscriptions: 3, Durable);
        var hostC = await Hosts.StartAsync(c, Server.Url, "kill", subscriptions: 3, Durable);
        var hostA = await Hosts.StartAsync(a, Server.Url, "kill", subscriptions: 3, Durable);
        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.PublishTextAsync("kill.ctl.go", "go");

        await WaitForLinesAsync(lines => lines.Count(l => l.Host == "b") >= 20, "host b handling");
        hostB.Kill();   // SIGKILL, with messages pulled and not acknowledged
        await WaitForLinesAsync(lines => lines.Select(l => l.Seq).Distinct().Count() == count, "every message handled");
        await hostA.WaitForOutputAsync($"feeder ok={count} failed=0", TimeSpan.FromSeconds(30));

        var outputA = await hostA.StopAsync();
        var outputC = await hostC.StopAsync();
        var lines = Lines();
        var byB = lines.Count(l => l.Host == "b");
        var byC = lines.Count(l => l.Host == "c");
        var durableA = DurableTotals(outputA);
        var durableC = DurableTotals(outputC);
        log.WriteLine($"handled {lines.Count} times ({byB} on b, killed; {byC} on c), distinct {lines.Select(l => l.Seq).Distinct().Count()}; A {durableA}; C {durableC}");

        // Every id handled at least once, nothing beyond what was published; the stream took each publish once.
        Assert.Equal(Enumerable.Range(0, count), lines.Select(l => l.Seq).Distinct().Order());
        Assert.Equal(count, durableA.Stored);
        Assert.Equal(0, durableA.Duplicates);
        // Counts balance: what c handled it acknowledged; what b held when it died was handled again (on c).
        Assert.Equal(byC, durableC.Acked);
        Assert.Equal(lines.Count, byB + byC);
        Assert.True(durableC.Redelivered > 0, $"c had no redelivery: b held nothing when it was killed, the test proved nothing");
    }

    [Fact]
    public async Task PendingDurableMessagesAreDeliveredAfterTheOnlyServerRestarts()
    {
        const int count = 60;
        var (a, b) = FeederAndWorker(count, seconds: 0.05);
        // Few pulled ahead: most messages wait in the stream while the server is down.
        var hostB = await Hosts.StartAsync(b, Server.Url, "restart", subscriptions: 3, [.. Durable, "--PluginHost:Nats:DurableMaxInFlight=2"]);
        var hostA = await Hosts.StartAsync(a, Server.Url, "restart", subscriptions: 3, Durable);
        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.PublishTextAsync("restart.ctl.go", "go");
        await peer.Connection.PingAsync();
        await hostA.WaitForOutputAsync($"feeder ok={count} failed=0", TimeSpan.FromSeconds(30));
        await WaitForLinesAsync(lines => lines.Count >= 5, "the first messages handled");

        Server.Kill();
        await hostB.WaitForOutputAsync("Disconnected from NATS", TimeSpan.FromSeconds(30));
        var beforeReturn = Lines().Select(l => l.Seq).Distinct().Count();
        Server.Restart();
        await hostB.WaitForOutputAsync("Reconnected to NATS", TimeSpan.FromSeconds(30));
        await WaitForLinesAsync(lines => lines.Select(l => l.Seq).Distinct().Count() == count, "every message handled after the restart");

        var outputA = await hostA.StopAsync();
        var outputB = await hostB.StopAsync();
        var lines = Lines();
        log.WriteLine($"{beforeReturn} distinct handled before the server returned, {lines.Count} handled in all; A {DurableTotals(outputA)}; B {DurableTotals(outputB)}");
        Assert.True(beforeReturn < count, $"all {count} were handled before the restart: the test proved nothing");
        Assert.Equal(Enumerable.Range(0, count), lines.Select(l => l.Seq).Distinct().Order());
        Assert.Equal(count, DurableTotals(outputA).Stored);
    }

    [Fact]
    public async Task AFailingHandlerIsRetriedMaxRetriesTimesThenDeadLetteredOnce()
    {
        var b = Hosts.Folder();
        NatsHosts.Plugin(b, "flaky", Subscribes("orders.>"), $$"""
            def on_message(message):
                with open({{Py(_handled)}}, "a") as f:
                    f.write(f"try {message.payload}\n")
                if message.payload == 1:
                    raise ValueError("one is bad")
            """);
        NatsHosts.Plugin(b, "morgue", Subscribes("pluginhost.deadletter"), $$"""
            def on_message(message):
                with open({{Py(_handled)}}, "a") as f:
                    f.write(f"dead {message.payload} {message.headers['failures']} {message.headers['original-topic']}\n")
            """);
        var hostB = await Hosts.StartAsync(b, Server.Url, "retry", subscriptions: 6, [.. Durable, "--PluginHost:Broker:MaxRetries=2"]);
        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.PublishJsonAsync("retry.orders.new", "1");
        await peer.PublishJsonAsync("retry.orders.new", "2");
        await WaitForLinesAsync(lines => lines.Any(l => l.Host == "dead") && lines.Any(l => l is ("try", 2)), "the dead letter and the good one");
        // Longer than several redelivery delays: a message JetStream kept redelivering would show up meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var output = await hostB.StopAsync();
        var text = File.ReadAllText(_handled);
        log.WriteLine(text + DurableTotals(output));
        Assert.Equal(3, Regex.Count(text, "^try 1$", RegexOptions.Multiline));   // the first run and MaxRetries = 2 retries
        Assert.Equal(1, Regex.Count(text, "^try 2$", RegexOptions.Multiline));
        Assert.Equal(1, Regex.Count(text, "^dead ", RegexOptions.Multiline));
        Assert.Contains("dead 1 3 orders.new", text);
        var totals = DurableTotals(output);
        Assert.Equal((Acked: 1L, Retried: 2L, Terminated: 1L), (totals.Acked, totals.Retried, totals.Terminated));
    }

    [Fact]
    public async Task ADuplicateIdWithinTheWindowIsStoredAndHandledOnce()
    {
        var b = Hosts.Folder();
        NatsHosts.Plugin(b, "worker", Subscribes("orders.>"), Worker("b", 0));
        var hostB = await Hosts.StartAsync(b, Server.Url, "dup", subscriptions: 3, Durable);
        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        var js = new NatsJSContext(peer.Connection);
        async Task<bool> PublishAsync(string id, int value)
        {
            var headers = new NatsHeaders { ["Ph-Content-Type"] = "application/json" };
            var ack = await js.PublishAsync("dup.orders.new", Encoding.UTF8.GetBytes(value.ToString()), headers: headers, opts: new NatsJSPubOpts { MsgId = id });
            Assert.Null(ack.Error);
            return ack.Duplicate;
        }

        Assert.False(await PublishAsync("m-1", 1));
        Assert.True(await PublishAsync("m-1", 2));   // same id, other payload: dropped by the stream
        Assert.False(await PublishAsync("m-3", 3));
        await WaitForLinesAsync(lines => lines.Any(l => l.Seq == 3), "the message after the duplicate");

        var output = await hostB.StopAsync();
        Assert.Equal([1, 3], Lines().Select(l => l.Seq).Order());
        Assert.Equal(2, DurableTotals(output).Acked);
    }

    [Fact]
    public async Task DurableConfigurationMistakesAreSaidAtStart()
    {
        var (code, output) = await HostProcess.RunAsync([
            "--PluginHost:Broker:Transport=Nats", $"--PluginHost:Nats:Url={Server.Url}", "--PluginHost:Nats:Durable:0=orders..x",
            "--PluginHost:Nats:Durable:1=a.>", "--PluginHost:Nats:Durable:2=a.b", "--PluginHost:PluginDirectories:0=/nonexistent-plugins"]);
        Assert.Equal(1, code);
        Assert.Contains("PluginHost:Nats:Durable:0 'orders..x'", output);
        Assert.Contains("PluginHost:Nats:Durable: 'a.>' and 'a.b' overlap", output);

        using var plain = NatsServer.Start(jetStream: false);
        (code, output) = await HostProcess.RunAsync([
            "--PluginHost:Broker:Transport=Nats", $"--PluginHost:Nats:Url={plain.Url}", "--PluginHost:Nats:Durable:0=orders.>",
            "--PluginHost:PluginDirectories:0=/nonexistent-plugins"]);
        Assert.Equal(1, code);
        Assert.Contains("PluginHost:Nats:Durable (orders.>) needs JetStream", output);
        Assert.Contains("Start nats-server with -js", output);
    }

    /// <summary>Host A's folder with the feeder of <paramref name="count"/> messages, host B's with worker "b".</summary>
    private (PluginFolders Feeder, PluginFolders Worker) FeederAndWorker(int count, double seconds)
    {
        var a = Hosts.Folder();
        NatsHosts.Plugin(a, "feeder", """ "subscriptions": ["ctl.go"] """, Feeder(count));
        var b = Hosts.Folder();
        NatsHosts.Plugin(b, "worker", Subscribes("orders.>"), Worker("b", seconds));
        return (a, b);
    }

    /// <summary>Publishes durable <c>orders.new</c> 0 .. count-1 on its first message; prints how many went and failed.</summary>
    private static string Feeder(int count) => $$"""
        import pluginhost

        def on_message(message):
            ok = failed = 0
            for seq in range({{count}}):
                try:
                    pluginhost.publish("orders.new", seq)
                    ok += 1
                except RuntimeError as e:
                    failed += 1
                    print(f"feeder error: {e}", flush=True)
            print(f"feeder ok={ok} failed={failed}", flush=True)
        """;

    /// <summary>Takes <paramref name="seconds"/> per message, then appends "<paramref name="host"/> payload".</summary>
    private string Worker(string host, double seconds) => $$"""
        import time

        def on_message(message):
            time.sleep({{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}})
            with open({{Py(_handled)}}, "a") as f:
                f.write(f"{{host}} {message.payload}\n")
        """;

    /// <summary>Manifest keys: subscribed to <paramref name="pattern"/>, allowed to write the handled file.</summary>
    private string Subscribes(string pattern) =>
        $$""" "subscriptions": ["{{pattern}}"], "capabilities": ["filesystem.write:{{Path.GetDirectoryName(_handled)}}"] """;

    private static string Py(string path) => $"'{path.Replace("\\", "\\\\").Replace("'", "\\'")}'";

    private List<(string Host, int Seq)> Lines() =>
        !File.Exists(_handled) ? [] : [.. File.ReadAllLines(_handled)
            .Select(l => l.Split(' '))
            .Where(p => p.Length >= 2 && int.TryParse(p[1], out _))
            .Select(p => (p[0], int.Parse(p[1])))];

    private async Task WaitForLinesAsync(Func<List<(string Host, int Seq)>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!done(Lines()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} did not happen; handled:\n{(File.Exists(_handled) ? File.ReadAllText(_handled) : "(nothing)")}");
            await Task.Delay(50);
        }
    }

    private static (long Stored, long Duplicates, long Acked, long Retried, long Terminated, long Returned, long Redelivered) DurableTotals(string output)
    {
        var match = DurableTotalsLine().Matches(output).LastOrDefault();
        Assert.True(match is not null, $"no durable totals in:\n{output}");
        long Get(int i) => long.Parse(match.Groups[i].Value);
        return (Get(1), Get(2), Get(3), Get(4), Get(5), Get(6), Get(7));
    }

    void IDisposable.Dispose()
    {
        Dispose();
        Directory.Delete(Path.GetDirectoryName(_handled)!, recursive: true);
    }

    [GeneratedRegex(@"NATS durable totals at stop: stored (\d+), duplicates dropped (\d+), handled and acknowledged (\d+), failed and redelivered (\d+), dead-lettered or rejected (\d+), handed back undelivered (\d+); deliveries that were redeliveries (\d+)")]
    private static partial Regex DurableTotalsLine();
}
