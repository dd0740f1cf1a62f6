using System.Text.Json;

namespace PluginHost.Host.Tests.Nats;

/// <summary>Requests and <c>to=</c> messages between plugins on two real hosts; what fails over there fails here, clearly.</summary>
public sealed class NatsRequestTests() : NatsTestBase("-c", Config)
{
    // A small max_payload, so going over it is cheap; one file for the class, written once.
    private static readonly string Config = WriteConfig();

    private static string WriteConfig()
    {
        var path = Path.Combine(Path.GetTempPath(), "pluginhost-nats-small-payload.conf");
        File.WriteAllText(path, "max_payload: 65536\n");
        return path;
    }

    [Fact]
    public async Task RequestsAndAddressedMessagesCrossHostsAndTheirFailuresComeBack()
    {
        var a = Hosts.Folder();
        NatsHosts.Plugin(a, "client", """ "subscriptions": ["ctl.ask"] """, """
            import pluginhost

            def attempt(out, key, call):
                try:
                    out[key] = call()
                except Exception as e:
                    out[key] = f"{type(e).__name__}: {e}"

            def on_message(message):
                out = {}
                attempt(out, "reply", lambda: (lambda r: [r.payload, r.sender, r.correlation_id is not None])(pluginhost.request("svc.upper", "hello", timeout=10)))
                attempt(out, "to_reply", lambda: pluginhost.request("svc.upper", "direct", to="upper", timeout=10).payload)
                attempt(out, "instance_reply", lambda: pluginhost.request("svc.upper", "zero", to="upper/0", timeout=10).payload)
                attempt(out, "failed", lambda: pluginhost.request("svc.fail", "boom", timeout=10).payload)
                attempt(out, "nobody", lambda: pluginhost.request("svc.nobody", "?", timeout=10).payload)
                attempt(out, "slow", lambda: pluginhost.request("svc.slow", "?", timeout=0.3).payload)
                attempt(out, "big", lambda: pluginhost.publish("big", b"x" * 100_000, to="upper"))
                pluginhost.publish("note", {"n": 1}, {"k": "v"}, to="upper")
                pluginhost.publish("test.result", out)
            """);
        var b = Hosts.Folder();
        NatsHosts.Plugin(b, "upper", """ "subscriptions": ["svc.upper", "svc.fail", "svc.slow"] """, """
            import time
            import pluginhost

            def on_message(message):
                if message.topic == "svc.upper":
                    return message.payload.upper()
                if message.topic == "svc.fail":
                    raise ValueError("refused on purpose")
                if message.topic == "svc.slow":
                    time.sleep(1)
                    return "late"
                pluginhost.publish("test.note", {"topic": message.topic, "to": message.to, "payload": message.payload,
                                                 "headers": dict(message.headers), "sender": message.sender})
            """);

        await using var peer = await NatsPeer.ConnectAsync(Server.Url);
        await peer.CollectAsync("rr.test.>");
        // A: client (ctl.ask; client, client/0). B: upper's three topics; upper, upper/0.
        var hostA = await Hosts.StartAsync(a, Server.Url, "rr", subscriptions: 3, "--PluginHost:Broker:MaxRetries=0");
        var hostB = await Hosts.StartAsync(b, Server.Url, "rr", subscriptions: 5, "--PluginHost:Broker:MaxRetries=0");

        await peer.PublishTextAsync("rr.ctl.ask", "go");
        await peer.WaitForAsync(seen => seen.Any(s => s.Subject == "rr.test.result") && seen.Any(s => s.Subject == "rr.test.note"), TimeSpan.FromSeconds(60), "the client's results and upper's note");

        var result = JsonDocument.Parse(peer.Seen.Single(s => s.Subject == "rr.test.result").Text).RootElement;
        Assert.Equal("""["HELLO","upper",true]""", result.GetProperty("reply").GetRawText());
        Assert.Equal("DIRECT", result.GetProperty("to_reply").GetString());
        Assert.Equal("ZERO", result.GetProperty("instance_reply").GetString());
        Assert.Contains("refused on purpose", result.GetProperty("failed").GetString());
        Assert.StartsWith("RuntimeError", result.GetProperty("failed").GetString());
        Assert.Contains("no plugin or subscriber receives 'svc.nobody' on this host or on any other host", result.GetProperty("nobody").GetString());
        Assert.StartsWith("TimeoutError", result.GetProperty("slow").GetString());
        Assert.Contains("max_payload of 65536 bytes", result.GetProperty("big").GetString());

        var note = JsonDocument.Parse(peer.Seen.Single(s => s.Subject == "rr.test.note").Text).RootElement;
        Assert.Equal("note", note.GetProperty("topic").GetString());
        Assert.Equal("upper", note.GetProperty("to").GetString());
        Assert.Equal(1, note.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Equal("v", note.GetProperty("headers").GetProperty("k").GetString());
        Assert.Equal("client", note.GetProperty("sender").GetString());

        var outputA = await hostA.StopAsync();
        var outputB = await hostB.StopAsync();
        Assert.Contains("below PluginHost:Broker:MaxPayloadBytes", outputA);
        // The oversized message is counted as not sent; B answered the three requests its handler returned from.
        Assert.True(NatsHosts.Totals(outputA).Failed >= 1, outputA);
        Assert.True(NatsHosts.Totals(outputB).Answered >= 3, outputB);
        Assert.DoesNotContain("Fatal Python error", outputA + outputB);
    }
}
