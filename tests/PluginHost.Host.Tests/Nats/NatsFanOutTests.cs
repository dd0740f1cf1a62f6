using System.Text.Json;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// Two real hosts on one real nats-server: every plugin gets each message once, wherever it runs, and a plugin's
/// instances on both hosts compete for messages published where none of them runs.
/// </summary>
public sealed class NatsFanOutTests : NatsTestBase
{
    private const int Count = 100;
    // Each receiver reports what it got on test.seen, with its process id: the host it ran on.
    private const string Reporter = """
        import os
        import pluginhost

        def on_message(message):
            pluginhost.publish("test.seen", {"by": pluginhost.context().name, "pid": os.getpid(), "i": message.payload["i"], "sender": message.sender})
        """;

    private static long Handled(string output, string plugin)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, $@"Message totals for {plugin}: received \d+, handled (\d+)");
        Assert.True(match.Success, output);
        return long.Parse(match.Groups[1].Value);
    }

    [Fact]
    public async Task EveryPluginGetsEachMessageOnceAcrossHostsAndInstancesCompeteAcrossHosts()
    {
        var a = Hosts.Folder();
        NatsHosts.Plugin(a, "producer", """ "subscriptions": ["ctl.go"] """, """
            import pluginhost

            def on_message(message):
                for i in range(int(message.payload)):
                    pluginhost.publish("work.item", {"i": i})
            """);
        // The same plugin on both hosts, with overlapping patterns: still one copy per message.
        NatsHosts.Plugin(a, "worker", """ "subscriptions": ["work.item", "work.*"] """, Reporter);
        var b = Hosts.Folder();
        NatsHosts.Plugin(b, "worker", """ "subscriptions": ["work.item", "work.*"], "instances": 2 """, Reporter);
        NatsHosts.Plugin(b, "auditor", """ "subscriptions": ["work.>"] """, Reporter);

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.CollectAsync("fo.test.seen");
        // A: producer and worker (ctl.go, work.item, work.*; addresses producer, producer/0, worker, worker/0).
        var hostA = await Hosts.StartAsync(a, Server.Url, "fo", subscriptions: 7);
        // B: worker's two patterns, auditor's one; addresses worker, worker/0, worker/1, auditor, auditor/0.
        var hostB = await Hosts.StartAsync(b, Server.Url, "fo", subscriptions: 8);

        // 1. Published on A, where a worker runs: A's worker takes every one, B's skips them; B's auditor gets all.
        await peer.PublishTextAsync("fo.ctl.go", Count.ToString());
        await peer.WaitForAsync(seen => seen.Count >= 3 * Count, TimeSpan.FromSeconds(60), "every worker (two handlers) and auditor report");

        // 2. Published from outside (the test's own client): the worker's instances on both hosts compete.
        for (var i = Count; i < 2 * Count; i++)
            await peer.PublishJsonAsync("fo.work.item", $$"""{"i": {{i}}}""");
        await peer.WaitForAsync(seen => seen.Count >= 6 * Count, TimeSpan.FromSeconds(60), "every report of the second round");

        var outputA = await hostA.StopAsync();
        var outputB = await hostB.StopAsync();
        var reports = peer.Seen.Select(s => JsonDocument.Parse(s.Text).RootElement)
            .Select(r => (By: r.GetProperty("by").GetString()!, Pid: r.GetProperty("pid").GetInt32(), I: r.GetProperty("i").GetInt32(), Sender: r.GetProperty("sender").GetString()))
            .ToList();

        var worker = reports.Where(r => r.By == "worker").ToList();
        var auditor = reports.Where(r => r.By == "auditor").ToList();
        // The worker's two patterns both match, so its on_message runs twice per delivery (as on one host); each
        // message was delivered once, to one host: nothing echoed back, nothing taken by two hosts.
        // Which message was counted other than twice, where, and what each host logged: seen once in ~45 runs (a
        // third report of one message), not yet explained.
        var odd = worker.GroupBy(r => r.I).Where(g => g.Count() != 2)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(r => $"pid {r.Pid} from {r.Sender}"))}").ToList();
        Assert.True(odd.Count == 0, $"worker reports not two per message (A is pid {hostA.Id}): {string.Join("; ", odd)}\n--- host A ---\n{outputA}\n--- host B ---\n{outputB}");
        Assert.Equal(Enumerable.Range(0, 2 * Count).SelectMany(i => new[] { i, i }), worker.Select(r => r.I).Order());
        Assert.All(worker.GroupBy(r => r.I), g => Assert.Single(g.Select(r => r.Pid).Distinct()));
        Assert.Equal(Enumerable.Range(0, 2 * Count), auditor.Select(r => r.I).Order());
        Assert.All(auditor.Where(r => r.I < Count), r => Assert.Equal("producer", r.Sender));
        Assert.Equal(2 * Count, Handled(outputA, "worker") + Handled(outputB, "worker"));
        Assert.Equal(2 * Count, Handled(outputB, "auditor"));

        var pidA = hostA.Id;
        var firstRound = worker.Where(r => r.I < Count).Select(r => r.Pid).Distinct().ToList();
        Assert.Equal([pidA], firstRound);
        var secondRound = worker.Where(r => r.I >= Count).GroupBy(r => r.Pid).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(secondRound.Count == 2, $"the worker's instances on both hosts should have competed: {string.Join(", ", secondRound)}");

        var totalsB = NatsHosts.Totals(outputB);
        Assert.True(totalsB.Skipped >= Count, $"B's worker skips the first round (served on A): {totalsB}");
        Assert.Equal(0, NatsHosts.Totals(outputA).Failed);
        Assert.Equal(0, totalsB.Failed);
    }
}
