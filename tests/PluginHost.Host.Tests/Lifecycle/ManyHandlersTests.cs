using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>A message runs every handler it matches, however many there are (the inbox once stopped at 16).</summary>
[Collection(PythonCollection.Name)]
public sealed class ManyHandlersTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task EveryMatchingHandlerRunsOnceInSubscriptionOrder()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("many", """
            import pluginhost
            ran = []
            def make(label):
                def handler(message):
                    ran.append(label)
                return handler
            for i in range(40):
                pluginhost.on("t.x")(make(f"x{i}"))
            for i in range(3):
                pluginhost.on("t.*")(make(f"star{i}"))
            pluginhost.on("t.other")(make("other"))

            @pluginhost.on("report")
            def report(message):
                pluginhost.publish("test.ran", ",".join(ran))
            """);
        await harness.StartAsync();
        var reported = new TaskCompletionSource<string>();
        using var _ = harness.Broker.Subscribe("test.ran", (m, _) => { reported.TrySetResult(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(new Message { Topic = "t.x", Payload = "go"u8.ToArray() });
        await Until(() => harness.Broker.Snapshot().For("many").Handled == 1, 20);
        await harness.Broker.PublishAsync(new Message { Topic = "report", Payload = "?"u8.ToArray() });

        var ran = (await reported.Task.WaitAsync(TimeSpan.FromSeconds(20))).Split(',');
        Assert.Equal([.. Enumerable.Range(0, 40).Select(i => $"x{i}"), "star0", "star1", "star2"], ran);
        Assert.Equal(0, harness.Broker.Snapshot().For("many").Failed);
    }
}
