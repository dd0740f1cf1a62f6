using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Issue #12, item 8, with real plugins in the real supervisor: a payload a receiver cannot decode is its sender's
/// fault. Refused at the sender when it can tell; otherwise dead-lettered at once naming the sender, never counted
/// against the receiver, never a cause for its restart — while the receiver and its neighbours keep working.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class HostileSenderTests(PythonRuntimeFixture fixture)
{
    /// <summary>A handler failure restarts quickly here: were the receiver charged, it would restart (and end Failed) at once.</summary>
    private static SupervisorHarness Harness(PythonRuntimeFixture fixture)
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxHandlerFailures = 3, MaxRestarts = 2 };
        harness.Plugin("reader", """
            import pluginhost
            def on_message(message):
                if isinstance(message.payload, dict):
                    pluginhost.publish("test.read", len(str(message.payload["n"])))
            """, "\"subscriptions\": [\"numbers\"]");
        harness.Plugin("neighbour", "def on_message(message):\n    return {'echo': message.payload}\n");
        return harness;
    }

    /// <summary>Puts what arrives on <paramref name="topic"/> into <paramref name="into"/> until disposed.</summary>
    private static IDisposable Collect(SupervisorHarness harness, string topic, ConcurrentQueue<Message> into) =>
        harness.Broker.Subscribe(topic, (m, _) => { into.Enqueue(m); return ValueTask.FromResult<Message?>(null); });

    private static async Task AssertNeighbourAnswersAsync(SupervisorHarness harness, int i)
    {
        var reply = await harness.Broker.RequestAsync(JsonMessage("ping", i.ToString(), to: "neighbour"), TimeSpan.FromSeconds(10));
        Assert.Equal($$"""{"echo":{{i}}}""", TextOf(reply));
    }

    private static void AssertUntouched(SupervisorHarness harness, string plugin)
    {
        var status = harness.Status(plugin);
        Assert.Equal((PluginState.Running, 0), (status.State, status.Restarts));
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId is LogEvents.PluginRestarting or LogEvents.PluginFailedForGood && r.Message.Contains(plugin));
    }

    [Fact]
    public async Task AnIntegerADefaultReceiverCannotDecodeIsAValueErrorInTheSenderAndTheReceiverIsNeverCharged()
    {
        await using var harness = Harness(fixture);
        harness.Plugin("bigsender", """
            import sys, pluginhost
            sys.set_int_max_str_digits(0)
            def on_message(message):
                errors = []
                for _ in range(50):
                    try:
                        pluginhost.publish("numbers", {"n": 10**5000})
                    except ValueError as e:
                        errors.append(str(e))
                try:
                    pluginhost.request("numbers", {"n": -10**5000}, timeout=5)
                except ValueError as e:
                    errors.append(str(e))
                # At the limit, and long digit runs that are no integers: sent, and decoded by the receiver.
                pluginhost.publish("numbers", {"n": 10**4299, "s": "9" * 5000, "f": float("9" * 300)})
                return errors
            """);
        await harness.StartAsync();
        var letters = new ConcurrentQueue<Message>();
        using var graveyard = Collect(harness, harness.BrokerOptions.DeadLetterTopic, letters);
        var read = new ConcurrentQueue<Message>();
        using var reads = Collect(harness, "test.read", read);

        var reply = await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "bigsender"), TimeSpan.FromSeconds(30));

        var errors = JsonSerializer.Deserialize<string[]>(TextOf(reply))!;
        Assert.Equal(51, errors.Length);
        Assert.All(errors, e => Assert.StartsWith("the payload holds an integer of 5001 digits, which a receiver could not decode: json there reads at most 4300", e));
        await Until(() => !read.IsEmpty, 10);
        Assert.Equal(["4300"], read.Select(TextOf));   // the one it could send arrived whole
        var reader = harness.Broker.Snapshot().For("reader");
        Assert.Equal((1L, 1L, 0L, 0L), (reader.Received, reader.Handled, reader.Failed, reader.Undecodable));
        Assert.Empty(letters);
        AssertUntouched(harness, "reader");
        AssertUntouched(harness, "bigsender");
        await AssertNeighbourAnswersAsync(harness, 1);
    }

    [Fact]
    public async Task UndecodablePayloadsFromADotNetPublisherAreDeadLetteredAtOnceAndNobodyElseNotices()
    {
        await using var harness = Harness(fixture);
        harness.BrokerOptions.MaxRetries = 2;
        await harness.StartAsync();
        var letters = new ConcurrentQueue<Message>();
        using var graveyard = Collect(harness, harness.BrokerOptions.DeadLetterTopic, letters);
        const int Rounds = 100;   // 200 bad messages: past MaxHandlerFailures (3) many times over, were they charged

        for (var i = 0; i < Rounds; i++)
        {
            await harness.Broker.PublishAsync(JsonMessage("numbers", "{not json", sender: "garbler"));
            await harness.Broker.PublishAsync(new Message { Topic = "numbers", Payload = new byte[] { 0xff, (byte)'a' }, ContentType = ContentTypes.Text, Sender = "garbler" });
            await harness.Broker.PublishAsync(JsonMessage("numbers", $$"""{"n": {{i}}}""", sender: "honest"));
            if (i % 20 == 0)
                await AssertNeighbourAnswersAsync(harness, i);
        }
        var request = await Assert.ThrowsAsync<MessageDeliveryException>(() => harness.Broker.RequestAsync(JsonMessage("ask", "[1,", to: "reader", sender: "garbler"), TimeSpan.FromSeconds(10)));

        await Until(() => letters.Count == 2 * Rounds && harness.Broker.Snapshot().For("reader").Handled == Rounds, 30);
        Assert.StartsWith("'reader/0' could not read request ", request.Message);
        Assert.Contains("the payload from 'garbler' does not decode as application/json", request.Message);
        Assert.All(letters, l =>
        {
            Assert.Equal(("pluginhost", "undecodable", "garbler", "reader/0", "0"), (l.Sender, l.Headers[DeadLetterHeaders.Reason],
                l.Headers[DeadLetterHeaders.OriginalSender], l.Headers[DeadLetterHeaders.FailedBy], l.Headers[DeadLetterHeaders.Failures]));
            Assert.StartsWith("the payload from 'garbler' does not decode as ", l.Headers[DeadLetterHeaders.Error]);
        });
        Assert.Equal(Rounds, letters.Count(l => l.Headers[DeadLetterHeaders.Error].Contains("as application/json: json.decoder.JSONDecodeError")));
        Assert.Equal(Rounds, letters.Count(l => l.Headers[DeadLetterHeaders.Error].Contains("as text/plain; charset=utf-8: UnicodeDecodeError")));
        // Every message accounted for: each handled or undecodable, none failed, retried or waiting.
        var reader = harness.Broker.Snapshot().For("reader");
        Assert.Equal((3L * Rounds + 1, (long)Rounds, 2L * Rounds + 1, 0L, 0L, 2L * Rounds, 0), (reader.Received, reader.Handled, reader.Undecodable, reader.Failed, reader.Retried, reader.DeadLettered, reader.InboxDepth));
        Assert.Equal(2 * Rounds, harness.Logs.Records.Count(r => r.EventId == LogEvents.Undecodable && r.Message.Contains("from 'garbler'")));
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.HandlerFailed);   // no handler failure was logged
        AssertUntouched(harness, "reader");
        AssertUntouched(harness, "neighbour");
        await AssertNeighbourAnswersAsync(harness, Rounds);
    }

    [Fact]
    public async Task APluginThatForgesJsonIsNamedInItsDeadLettersAndItsReceiverIsNotCharged()
    {
        await using var harness = Harness(fixture);
        // Its own json, patched: what it sends as application/json is not JSON — small, and large (pooled, decoded on
        // first read inside the receiver's handler).
        harness.Plugin("forger", """
            import json, pluginhost
            def on_message(message):
                json.dumps = lambda *args, **kwargs: "garbage" * message.payload
                pluginhost.publish("numbers", {"n": 1})
            """);
        await harness.StartAsync();
        var letters = new ConcurrentQueue<Message>();
        using var graveyard = Collect(harness, harness.BrokerOptions.DeadLetterTopic, letters);

        for (var i = 0; i < 5; i++)
        {
            await harness.Broker.PublishAsync(JsonMessage("go", "1", to: "forger"));
            await harness.Broker.PublishAsync(JsonMessage("go", "10000", to: "forger"));   // 70,000 bytes: a pooled payload
        }

        await Until(() => letters.Count == 10, 20);
        Assert.All(letters, l => Assert.StartsWith("the payload from 'forger' does not decode as application/json: json.decoder.JSONDecodeError", l.Headers[DeadLetterHeaders.Error]));
        Assert.Equal(5, letters.Count(l => l.Payload.Length == 70_000));
        Assert.Equal((10L, 0L), (harness.Broker.Snapshot().For("reader").Undecodable, harness.Broker.Snapshot().For("reader").Failed));
        AssertUntouched(harness, "reader");
        await AssertNeighbourAnswersAsync(harness, 7);
    }

    [Fact]
    public async Task APluginCannotForgeTheBrokersHeadersOrDeadLettersOrSendUnboundedHeaders()
    {
        await using var harness = Harness(fixture);
        harness.BrokerOptions.MaxHeaderBytes = 1024;
        harness.Plugin("impostor", """
            import pluginhost
            def on_message(message):
                results = []
                for attempt in (
                    lambda: pluginhost.publish("numbers", b"", {"failed-by": "reader/0"}),
                    lambda: pluginhost.publish("numbers", b"", {"Original-Sender": "pluginhost"}),
                    lambda: pluginhost.publish("pluginhost.deadletter", b"fake"),
                    lambda: pluginhost.publish("numbers", b"", {"trace": "x" * 100_000_000}),
                    lambda: pluginhost.request("numbers", b"", headers={str(i): "" for i in range(2000)}, timeout=5),
                    lambda: pluginhost.publish("numbers", "count?", {"trace": "x" * 1000}),
                ):
                    try:
                        attempt()
                        results.append("ok")
                    except Exception as e:
                        results.append(f"{type(e).__name__}: {e}")
                return results
            """);
        await harness.StartAsync();
        var letters = new ConcurrentQueue<Message>();
        using var graveyard = Collect(harness, harness.BrokerOptions.DeadLetterTopic, letters);

        var results = JsonSerializer.Deserialize<string[]>(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "impostor"), TimeSpan.FromSeconds(30))))!;

        Assert.StartsWith("ValueError: Header 'failed-by' is the broker's own", results[0]);
        Assert.StartsWith("ValueError: Header 'Original-Sender' is the broker's own", results[1]);
        Assert.Equal("ValueError: Topic 'pluginhost.deadletter' is the dead-letter topic (PluginHost:Broker:DeadLetterTopic): only the broker publishes there.", results[2]);
        Assert.Equal("ValueError: The message's headers hold 100000005 bytes (names and values, UTF-8), over the limit of 1024 bytes (PluginHost:Broker:MaxHeaderBytes).", results[3]);
        Assert.Equal("ValueError: The message's headers hold 2000 bytes (names and values, UTF-8), over the limit of 1024 bytes (PluginHost:Broker:MaxHeaderBytes).", results[4]);
        Assert.Equal("ok", results[5]);
        Assert.Equal(5, harness.Broker.Snapshot().Rejected);   // each refusal counted, whichever side made it
        Assert.Empty(letters);
        AssertUntouched(harness, "impostor");
    }
}
