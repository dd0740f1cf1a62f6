using System.Text.RegularExpressions;

namespace PluginHost.Host.Tests.Nats;

/// <summary>A 3-node NATS cluster on loopback: the node a host is connected to is killed during traffic, and it goes on.</summary>
public sealed class NatsClusterTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly List<NatsServer> _nodes = [];
    private readonly NatsHosts _hosts = new();

    public void Dispose()
    {
        _hosts.Dispose();
        foreach (var node in _nodes)
            node.Dispose();
    }

    [Fact]
    public async Task AClusterNodeKilledDuringTrafficAndTheHostsCarryOnThroughTheOthers()
    {
        int[] clients = [NatsServer.FreePort(), NatsServer.FreePort(), NatsServer.FreePort()];
        int[] routes = [NatsServer.FreePort(), NatsServer.FreePort(), NatsServer.FreePort()];
        var routeList = string.Join(',', routes.Select(p => $"nats://127.0.0.1:{p}"));
        for (var i = 0; i < 3; i++)
            _nodes.Add(NatsServer.Start(clients[i], jetStream: false, "--cluster_name", "pluginhost-test", "--cluster", $"nats://127.0.0.1:{routes[i]}", "--routes", routeList));
        var urls = string.Join(',', _nodes.Select(n => n.Url));

        var a = _hosts.Folder();
        NatsHosts.Plugin(a, "pump", """ "subscriptions": ["ctl.go"] """, NatsHosts.Pump);
        var b = _hosts.Folder();
        NatsHosts.Plugin(b, "sink", """ "subscriptions": ["pump.tick"] """, NatsHosts.Sink);

        await using var peer = await NatsPeer.ConnectAsync(urls);
        await peer.CollectAsync("cl.pump.tick");
        string[] fast = ["--PluginHost:Broker:PublishTimeout=00:00:02"];
        var hostA = await _hosts.StartAsync(a, urls, "cl", subscriptions: 3, fast);
        var hostB = await _hosts.StartAsync(b, urls, "cl", subscriptions: 3, fast);
        await peer.PublishTextAsync("cl.ctl.go", "go");
        await peer.WaitForAsync(seen => seen.Count >= 30, TimeSpan.FromSeconds(30), "ticks before the node dies");

        // Kill the node host A publishes through.
        var nodeOfA = _nodes.Single(n => hostA.Output.Contains($"(server {n.Id} "));
        nodeOfA.Kill();
        await hostA.WaitForOutputAsync("Reconnected to NATS", TimeSpan.FromSeconds(30));
        var afterKill = peer.Seen.Count;
        await peer.WaitForAsync(seen => seen.Count >= afterKill + 30, TimeSpan.FromSeconds(30), "ticks through the other nodes");

        var outputA = await hostA.StopAsync();
        var outputB = await hostB.StopAsync();
        long Number(string output, string pattern) => long.Parse(Regex.Match(output, pattern).Groups[1].Value);
        var (ok, failed, last) = (Number(outputA, @"pump ok=(\d+)"), Number(outputA, @"failed=(\d+)"), Number(outputA, @"pump ok=\d+ failed=\d+ last=(-?\d+)"));
        var (got, distinct) = (Number(outputB, @"sink got=(\d+)"), Number(outputB, @"distinct=(\d+)"));
        var runs = Regex.Match(outputB, @"runs=(\S*)").Groups[1].Value.Split(',');
        var (first, lastGot) = (long.Parse(runs[0].Split('-')[0]), long.Parse(runs[^1].Split('-')[1]));
        var totalsA = NatsHosts.Totals(outputA);
        log.WriteLine($"killed node {nodeOfA.Port}; pump ok {ok}, failed {failed}; sink got {got} (runs {string.Join(",", runs)}); lost unseen {ok - got}; A {totalsA}");

        Assert.True(totalsA.Reconnects >= 1, outputA);
        Assert.Equal(failed, totalsA.Failed);
        Assert.Equal(got, distinct);
        Assert.Equal((0L, last), (first, lastGot));   // from the first message to the last, through the node's death
        Assert.True(got <= ok, $"sink got {got}, pump ok {ok}");
    }
}
