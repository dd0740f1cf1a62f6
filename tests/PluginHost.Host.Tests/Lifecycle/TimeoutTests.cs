using System.Collections.Concurrent;
using System.Text;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

[Collection(PythonCollection.Name)]
public sealed class TimeoutTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task RunawayHandlerIsInterruptedDeadLetteredAndThePluginKeepsServing()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromMilliseconds(300);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("spinner", """
            import pluginhost
            @pluginhost.on("work")
            def handle(message):
                if message.payload == "spin":
                    while True:
                        pass
                pluginhost.publish("test.done", "spinner " + message.payload)
            """);
        harness.Plugin("neighbour", """
            import pluginhost
            @pluginhost.on("tick")
            def tick(message):
                pluginhost.publish("test.done", "tick")
            """);
        var done = new ConcurrentQueue<string>();
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("test.done", (m, _) => { done.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(Text("work", "spin"));
        for (var i = 0; i < 50; i++)
            await harness.Broker.PublishAsync(Text("tick", ""));
        await harness.Broker.PublishAsync(Text("work", "after"));

        await Until(() => done.Contains("spinner after"), 20);
        Assert.Equal(50, done.Count(d => d == "tick"));
        var letter = Assert.Single(letters);
        Assert.Contains("HandlerTimeout", letter.Headers["error"]);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.HandlerTimedOut && r.Message.Contains("spinner"));
        Assert.Equal(PluginState.Running, harness.Status("spinner").State);
    }

    [Fact]
    public async Task SetupStuckInALoopIsInterruptedSoThePluginCanStop()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.StartTimeout = TimeSpan.FromMilliseconds(300);
        harness.Plugin("stuck", "def setup(ctx):\n    while True:\n        pass\n");
        await harness.StartAsync();
        Assert.Equal(PluginState.Failed, harness.Status("stuck").State);

        await harness.DisposeAsync();

        Assert.Equal(PluginState.Stopped, harness.Status("stuck").State);
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.InterpreterLeftRunning);   // not abandoned: it ended
    }

    private static Message Text(string topic, string text) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(text), ContentType = ContentTypes.Text };
}
