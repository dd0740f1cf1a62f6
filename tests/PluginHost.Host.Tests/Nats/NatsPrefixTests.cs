namespace PluginHost.Host.Tests.Nats;

/// <summary>Two deployments on one nats-server, each with its own subject prefix: neither sees the other's traffic.</summary>
public sealed class NatsPrefixTests : NatsTestBase
{
    [Fact]
    public async Task DeploymentsWithDifferentPrefixesSeeNothingOfEachOther()
    {
        const string Receiver = """
            import pluginhost

            def on_message(message):
                pluginhost.publish("test.seen", f"{pluginhost.context().name} got {message.payload} from {message.sender}")
            """;
        var blue = Hosts.Folder();
        NatsHosts.Plugin(blue, "producer", """ "subscriptions": ["ctl.go"] """, """
            import pluginhost

            def on_message(message):
                for i in range(20):
                    pluginhost.publish("work.item", str(i))
                pluginhost.request("svc.done", "", timeout=10)   # every work.item was sent before this returns
            """);
        NatsHosts.Plugin(blue, "done", """ "subscriptions": ["svc.done"] """, """
            def on_message(message):
                return "ok"
            """);
        var green = Hosts.Folder();
        NatsHosts.Plugin(green, "auditor", """ "subscriptions": ["work.>", "svc.done"] """, Receiver);

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.CollectAsync(">");
        var hostBlue = await Hosts.StartAsync(blue, Server.Url, "blue", subscriptions: 6);
        var hostGreen = await Hosts.StartAsync(green, Server.Url, "green", subscriptions: 4);

        await peer.PublishTextAsync("blue.ctl.go", "go");
        await peer.WaitForAsync(seen => seen.Count(s => s.Subject == "blue.work.item") == 20, TimeSpan.FromSeconds(30), "blue's 20 messages");
        // Green works: a message on its own prefix reaches its auditor, whose report comes after anything blue could have caused.
        await peer.PublishTextAsync("green.work.item", "control");
        await peer.WaitForAsync(seen => seen.Any(s => s.Subject == "green.test.seen"), TimeSpan.FromSeconds(30), "green's control message");

        var outputBlue = await hostBlue.StopAsync();
        var outputGreen = await hostGreen.StopAsync();
        var greenReports = peer.Seen.Where(s => s.Subject == "green.test.seen").Select(s => s.Text).ToList();
        Assert.Equal(["auditor got control from test-peer"], greenReports);
        Assert.DoesNotContain(peer.Seen, s => s.Subject.StartsWith("green.", StringComparison.Ordinal) && s.Text != "control" && !s.Text.StartsWith("auditor got control", StringComparison.Ordinal));
        Assert.DoesNotContain(peer.Seen, s => s.Subject.StartsWith("blue.test", StringComparison.Ordinal));
        Assert.Contains("Message totals for auditor: received 1, handled 1", outputGreen);
        Assert.Contains("Message totals for done: received 1, handled 1", outputBlue);
    }
}
