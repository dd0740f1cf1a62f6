using System.Collections.Concurrent;
using System.Text;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>Messages between real plugins in real interpreters, through the real broker.</summary>
[Collection(PythonCollection.Name)]
public sealed class PluginMessagingTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task PluginsPublishAndSubscribeAcrossInterpreters()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("producer", """
            import pluginhost
            def on_message(message):
                for i in range(message.payload["count"]):
                    pluginhost.publish("orders.created", {"n": i, "who": pluginhost.context().name})
            """);
        harness.Plugin("consumer", """
            import pluginhost
            seen = []
            @pluginhost.on("orders.*")
            def handle(message):
                seen.append(message.payload["n"])
                if len(seen) == 100:
                    pluginhost.publish("test.done", {"seen": seen, "sender": message.sender, "type": message.content_type})
            """);
        var done = new TaskCompletionSource<Message>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.done", (m, _) => { done.TrySetResult(m); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("go", """{"count": 100}""", to: "producer"));

        var result = await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal($$"""{"seen":[{{string.Join(",", Enumerable.Range(0, 100))}}],"sender":"producer","type":"application/json"}""", TextOf(result));
        Assert.Equal("consumer", result.Sender);
    }

    [Fact]
    public async Task EachPublishCarriesItsOwnTopicWhenALoopAlternatesBetweenTopics()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("producer", """
            import pluginhost
            def on_message(message):
                for i in range(300):
                    topic = ("alt.a", "alt.b", "alt." + "ä")[i % 3]   # the last made anew each time, non-ASCII
                    pluginhost.publish(topic, i)
            """);
        await harness.StartAsync();
        var seen = new ConcurrentQueue<(string Topic, string N)>();
        using var _ = harness.Broker.Subscribe("alt.*", (m, _) => { seen.Enqueue((m.Topic, TextOf(m))); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("go", "null", to: "producer"));

        await Until(() => seen.Count == 300, 20);
        Assert.All(seen, s => Assert.Equal(new[] { "alt.a", "alt.b", "alt.ä" }[int.Parse(s.N) % 3], s.Topic));
    }

    [Fact]
    public async Task AMillionMessagesArriveExactlyOnceAndInOrder()
    {
        const int count = 1_000_000;
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("producer", """
            import pluginhost
            def on_message(message):
                publish = pluginhost.publish
                for i in range(message.payload):
                    publish("seq", i.to_bytes(8, "little"))
            """);
        harness.Plugin("consumer", """
            import pluginhost
            received = 0
            out_of_order = 0
            @pluginhost.on("seq")
            def handle(message):
                global received, out_of_order
                if int.from_bytes(message.payload, "little") != received:
                    out_of_order += 1
                received += 1
            @pluginhost.on("count")
            def report(message):
                pluginhost.publish("test.count", {"received": received, "out_of_order": out_of_order})
            """);
        var counts = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.count", (m, _) => { counts.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("go", count.ToString(), to: "producer"));
        await Until(() => harness.Broker.Snapshot().For("consumer").Handled >= count, 20);
        await harness.Broker.PublishAsync(JsonMessage("count", "null"));

        await Until(() => !counts.IsEmpty, 20);
        Assert.Equal($$"""{"received":{{count}},"out_of_order":0}""", counts.Single());
        var stats = harness.Broker.Snapshot().For("consumer");
        Assert.Equal(count + 1, stats.Received);
        Assert.Equal(0, stats.Failed + stats.Dropped);
    }

    [Fact]
    public async Task OversizePayloadIsRefusedAtTheSender()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxPayloadBytes = 1024;
        harness.Plugin("listener", "def on_message(message):\n    pass\n", "\"subscriptions\": [\"big\"]");
        harness.Plugin("client", """
            import pluginhost
            def on_message(message):
                pluginhost.publish("big", b"x" * 1024)
                try:
                    pluginhost.publish("big", b"x" * 1025)
                except Exception as e:
                    return f"{type(e).__name__}: {e}"
            """);
        await harness.StartAsync();

        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "client"), TimeSpan.FromSeconds(10));

        Assert.Contains("1025", TextOf(reply));
        Assert.Contains("1024", TextOf(reply));
    }

    [Fact]
    public async Task ManifestSubscriptionsRouteToOnMessage()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("listener", """
            import pluginhost
            def on_message(message):
                pluginhost.publish("test.echo", message.payload.upper())
            """, "\"subscriptions\": [\"greetings.>\"]");
        var echoes = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.echo", (m, _) => { echoes.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(new Message { Topic = "greetings.en.formal", Payload = "good day"u8.ToArray(), ContentType = ContentTypes.Text });

        await Until(() => echoes.Contains("GOOD DAY"), 20);
    }

    [Fact]
    public async Task RequestReplyBetweenPlugins()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("calculator", "def on_message(message):\n    return {'sum': sum(message.payload)}\n");
        harness.Plugin("client", """
            import pluginhost
            def on_message(message):
                reply = pluginhost.request("math.add", [1, 2, 3, 4], to="calculator", timeout=5)
                return {"got": reply.payload, "from": reply.sender, "correlates": reply.correlation_id is not None}
            """);
        await harness.StartAsync();

        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "client"), TimeSpan.FromSeconds(10));

        Assert.Equal("""{"got":{"sum":10},"from":"calculator","correlates":true}""", TextOf(reply));
    }

    [Fact]
    public async Task RequestToAMissingPluginFailsClearlyInPython()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("client", """
            import pluginhost
            def on_message(message):
                try:
                    pluginhost.request("x", 1, to="nobody", timeout=1)
                except Exception as e:
                    return f"{type(e).__name__}: {e}"
            """);
        await harness.StartAsync();

        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "client"), TimeSpan.FromSeconds(10));

        Assert.Contains("nobody", TextOf(reply));
    }

    [Fact]
    public async Task PublishToAMissingPluginRaisesButToAnEmptyTopicDoesNot()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("client", """
            import pluginhost
            def on_message(message):
                pluginhost.publish("nobody.listens", 1)
                try:
                    pluginhost.publish("x", 1, to="nobody")
                except Exception as e:
                    return f"{type(e).__name__}: {e}"
            """);
        await harness.StartAsync();

        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "client"), TimeSpan.FromSeconds(10));

        Assert.StartsWith("RuntimeError: ", TextOf(reply));
        Assert.Contains("nobody", TextOf(reply));
        Assert.True(harness.Broker.Snapshot().Unrouted >= 1);
    }

    [Fact]
    public async Task RequestPastItsTimeoutIsATimeoutErrorInPython()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("sleepy", "import time\ndef on_message(message):\n    time.sleep(1.5)\n    return 'late'\n");
        harness.Plugin("client", """
            import pluginhost
            def on_message(message):
                try:
                    pluginhost.request("x", 1, to="sleepy", timeout=0.2)
                except TimeoutError as e:
                    return "timeout"
            """);
        await harness.StartAsync();

        var reply = await harness.Broker.RequestAsync(JsonMessage("run", "null", to: "client"), TimeSpan.FromSeconds(10));

        Assert.Equal("timeout", TextOf(reply));
        Assert.Equal(ContentTypes.Text, reply.ContentType);
    }

    [Fact]
    public async Task FailingHandlerIsDeadLetteredAndThePluginKeepsServing()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 1;
        harness.Plugin("picky", """
            import pluginhost
            @pluginhost.on("items")
            def handle(message):
                if message.payload == "bad":
                    raise ValueError("cannot handle bad items")
                pluginhost.publish("test.ok", message.payload)
            """);
        var letters = new ConcurrentQueue<Message>();
        var ok = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe("test.ok", (m, _) => { ok.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        foreach (var item in new[] { "bad", "good" })
            await harness.Broker.PublishAsync(new Message { Topic = "items", Payload = Encoding.UTF8.GetBytes(item), ContentType = ContentTypes.Text });

        await Until(() => ok.Contains("good") && !letters.IsEmpty, 20);
        var letter = letters.Single();
        Assert.Equal("bad", TextOf(letter));
        Assert.Contains("cannot handle bad items", letter.Headers["error"]);
        Assert.Equal("items", letter.Headers["original-topic"]);
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains("ValueError: cannot handle bad items") && r.Message.Contains("in handle"));
    }

    [Fact]
    public async Task InstancesShareTheWorkAsCompetingConsumers()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("workers", """
            import pluginhost
            @pluginhost.on("jobs")
            def work(message):
                pluginhost.publish("test.done", {"job": message.payload, "by": pluginhost.context().instance})
            """, "\"instances\": 2");
        var done = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.done", (m, _) => { done.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        for (var i = 0; i < 200; i++)
            await harness.Broker.PublishAsync(JsonMessage("jobs", i.ToString()));

        await Until(() => done.Count == 200, 20);
        Assert.Equal(200, done.Select(d => d.Split(',')[0]).Distinct().Count());
        Assert.Contains(done, d => d.EndsWith("\"by\":0}"));
        Assert.Contains(done, d => d.EndsWith("\"by\":1}"));
    }

    [Fact]
    public async Task MessagesQueuedAtStopAreReportedNotLost()
    {
        var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("slow", """
            import time, pluginhost
            @pluginhost.on("work")
            def handle(message):
                time.sleep(0.05)
            """);
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        for (var i = 0; i < 50; i++)
            await harness.Broker.PublishAsync(JsonMessage("work", i.ToString()));

        harness.Options.StopTimeout = TimeSpan.FromSeconds(20);
        await harness.DisposeAsync();

        var stats = harness.Broker.Snapshot();
        Assert.Equal(PluginState.Stopped, harness.Status("slow").State);
        Assert.Equal(50, stats.For("slow").Handled + stats.For("slow").Dropped);
        Assert.Empty(letters);
    }

    [Fact]
    public async Task MessagesLeftAtStopAreWrittenToTheUndeliveredFile()
    {
        var harness = new SupervisorHarness(fixture);
        var folder = Directory.CreateTempSubdirectory("pluginhost-undelivered-");
        harness.BrokerOptions.UndeliveredFile = Path.Combine(folder.FullName, "out", "undelivered.jsonl");
        await QuitterPlugin.StopWithQueuedMessagesAsync(harness);

        await harness.DisposeAsync();

        var stats = harness.Broker.Snapshot().For("quitter");
        var lines = File.ReadAllLines(harness.BrokerOptions.UndeliveredFile);
        folder.Delete(recursive: true);
        // The one that exited, the ones left; otherwise what the host logged (once, in CI: 7 dropped, unexplained).
        Assert.True((stats.DeadLettered, stats.Dropped) == (1L, 19L), $"dead-lettered {stats.DeadLettered}, dropped {stats.Dropped}; the host logged:\n"
            + string.Join("\n", harness.Logs.Records.Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(r => $"{r.EventId} {r.Message}")));
        // The dead letter of the one that exited (nobody subscribes to the dead-letter topic) and the 19 left.
        Assert.Equal(20, lines.Length);
        using (var first = System.Text.Json.JsonDocument.Parse(lines[0]))
            Assert.Equal("pluginhost.deadletter", first.RootElement.GetProperty("topic").GetString());
        using var last = System.Text.Json.JsonDocument.Parse(lines[^1]);
        Assert.Equal("quitter/0", last.RootElement.GetProperty("receiver").GetString());
        Assert.Equal("work", last.RootElement.GetProperty("topic").GetString());
        Assert.Equal("19", last.RootElement.GetProperty("headers").GetProperty("n").GetString());
        Assert.Equal("19", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(last.RootElement.GetProperty("payload").GetString()!)));
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.UndeliveredAtStop && r.Message.Contains("written to"));
    }
}
