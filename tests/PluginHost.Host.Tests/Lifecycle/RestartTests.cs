using System.Collections.Concurrent;
using System.Text;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

[Collection(PythonCollection.Name)]
public sealed class RestartTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AFailedInstanceRestartsInAFreshInterpreterAndGetsTheMessagesSentMeanwhile()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromSeconds(2), MaxRestarts = 3 };
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("flaky", """
            import sys, pluginhost
            def on_message(message):
                if message.payload == "die":
                    sys.exit(3)
                pluginhost.publish("test.done", message.payload)
            """, "\"subscriptions\": [\"work\"]");
        var done = new ConcurrentQueue<string>();
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("test.done", Collect(done));
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        var first = harness.Status("flaky").InterpreterId;

        await harness.Broker.PublishAsync(Text("work", "die"));
        await Until(() => harness.Status("flaky").State == PluginState.Restarting, 20);
        var restarting = harness.Status("flaky");
        // Sent while no interpreter runs the plugin: by topic (the manifest's subscription) and by address.
        for (var i = 0; i < 10; i++)
            await harness.Broker.PublishAsync(Text("work", $"topic {i}"));
        for (var i = 0; i < 10; i++)
            await harness.Broker.PublishAsync(Text("direct", $"address {i}") with { To = "flaky" });

        await Until(() => done.Count == 20, 30);
        var status = harness.Status("flaky");
        Assert.Equal(PluginState.Running, status.State);
        Assert.NotEqual(first, status.InterpreterId);
        Assert.Equal(1, status.Restarts);
        Assert.Equal(1, restarting.RestartAttempt);
        Assert.NotNull(restarting.NextStart);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"topic {i}"), done.Where(d => d.StartsWith("topic")));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"address {i}"), done.Where(d => d.StartsWith("address")));
        Assert.Contains("SystemExit: 3", Assert.Single(letters).Headers["error"]);
        var stats = harness.Broker.Snapshot().For("flaky");
        Assert.Equal(21, stats.Handled + stats.DeadLettered);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginRestarting && r.Message.Contains("attempt 1 of 3"));
    }

    [Fact]
    public async Task RestartsExhaustedLeaveTheInstanceFailedAndWhatWaitedIsDeadLettered()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromSeconds(1), Factor = 2, MaxRestarts = 2 };
        harness.Plugin("broken", "def on_message(message):\n    pass\ndef setup(ctx):\n    raise RuntimeError('cannot start')\n", "\"subscriptions\": [\"work\"]");
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        Assert.Equal(PluginState.Restarting, harness.Status("broken").State);

        for (var i = 0; i < 5; i++)
            await harness.Broker.PublishAsync(Text("work", $"{i}"));

        await Until(() => harness.Status("broken").State == PluginState.Failed, 60);
        await Until(() => letters.Count == 5, 10);
        var status = harness.Status("broken");
        Assert.Equal(2, status.Restarts);
        Assert.Contains("cannot start", status.Error);
        Assert.All(letters, l => Assert.Contains("will not run again", l.Headers["error"]));
        Assert.Equal(5, harness.Broker.Snapshot().For("broken").DeadLettered);
        Assert.Equal(3, harness.Logs.Records.Count(r => r.EventId == LogEvents.PluginFailed));
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginFailedForGood && r.Message.Contains("5 queued message(s) dead-lettered"));
        // Nothing waits for it any more: addressed messages fail at the sender.
        await Assert.ThrowsAsync<MessageDeliveryException>(async () => await harness.Broker.PublishAsync(Text("direct", "late") with { To = "broken" }));
    }

    [Fact]
    public async Task TheLifetimeMaximumEndsACrashLoopTooSlowForTheWindow()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10), Window = TimeSpan.FromMilliseconds(1), MaxTotalRestarts = 3 };
        harness.Plugin("looping", "def setup(ctx):\n    raise RuntimeError('again')\n");

        await harness.StartAsync();

        await Until(() => harness.Status("looping").State == PluginState.Failed, 60);
        Assert.Equal(3, harness.Status("looping").Restarts);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginFailedForGood && r.Message.Contains("MaxTotalRestarts 3"));
    }

    [Fact]
    public async Task CapabilitiesThatDoNotParseAreNotRestarted()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.Plugin("typo", "def setup(ctx):\n    pass\n");
        harness.Options.Plugins["typo"] = new PluginOptions { Capabilities = ["netwrok"] };

        await harness.StartAsync();

        var status = harness.Status("typo");
        Assert.Equal((PluginState.Failed, 0), (status.State, status.Restarts));
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginFailedForGood && r.Message.Contains("capabilities do not parse"));
    }

    [Fact]
    public async Task StoppingDuringTheBackoffEndsTheInstanceWithoutStartingIt()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMinutes(5) };
        harness.Plugin("sleeper", "def on_message(m):\n    pass\ndef setup(ctx):\n    raise RuntimeError('no')\n", "\"subscriptions\": [\"work\"]");
        await harness.StartAsync();
        Assert.Equal(PluginState.Restarting, harness.Status("sleeper").State);
        await harness.Broker.PublishAsync(Text("work", "waits"));

        await harness.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(PluginState.Stopped, harness.Status("sleeper").State);
        Assert.Equal(1, harness.Broker.Snapshot().For("sleeper").Dropped);
        Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.PluginFailed);
    }

    internal static MessageHandler Collect(ConcurrentQueue<string> into) =>
        (m, _) => { into.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); };

    internal static Message Text(string topic, string text) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(text), ContentType = ContentTypes.Text };
}
