using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Requests to a plugin the host is still starting wait for it (within their timeout); to a disabled or unknown one
/// they fail at once. One start at a time, and "gate" holds the only start slot until the test writes its file, so
/// "target" is certainly not started (not even registered) while the requests are sent.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class WaitingRequestTests(PythonRuntimeFixture fixture)
{
    private const string Gate = """
        import os, time
        def setup(ctx):
            go = os.path.join(os.path.dirname(__file__), "go")
            for _ in range(600):
                if os.path.exists(go):
                    return
                time.sleep(0.05)
        """;

    private static SupervisorHarness Harness(PythonRuntimeFixture fixture)
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.MaxParallelStarts = 1;
        harness.Plugin("gate", Gate, extraManifest: "\"capabilities\": [\"filesystem.read\"]");
        harness.Plugin("target", "def on_message(message):\n    return message.payload * 2\n");
        harness.Plugin("off", "def on_message(message):\n    return 0\n");
        harness.Options.Plugins["off"] = new() { Enabled = false };
        return harness;
    }

    [Fact]
    public async Task ARequestToAPluginThatStartsLaterWaitsForItAndIsAnswered()
    {
        await using var harness = Harness(fixture);
        var starting = harness.StartAsync();

        var reply = harness.Broker.RequestAsync(JsonMessage("double", "21", to: "target"), TimeSpan.FromSeconds(30));
        Assert.False(reply.IsCompleted);   // without waiting it would have failed at once: nothing is registered yet
        harness.WriteFile("gate/go", "");

        Assert.Equal("42", TextOf(await reply));
        await starting;
        Assert.Equal(PluginState.Running, harness.Status("target").State);
    }

    [Fact]
    public async Task ARequestToADisabledOrUnknownPluginFailsAtOnceEvenWhileOthersStart()
    {
        await using var harness = Harness(fixture);
        var starting = harness.StartAsync();

        var disabled = await Assert.ThrowsAsync<MessageDeliveryException>(() =>
            harness.Broker.RequestAsync(JsonMessage("x", "1", to: "off"), TimeSpan.FromSeconds(30)));
        var unknown = await Assert.ThrowsAsync<MessageDeliveryException>(() =>
            harness.Broker.RequestAsync(JsonMessage("x", "1", to: "nobody"), TimeSpan.FromSeconds(30)));
        Assert.False(starting.IsCompleted);   // "gate" still holds the start: these did not wait for it
        Assert.Contains("'off'", disabled.Message);
        Assert.Contains("'nobody'", unknown.Message);

        harness.WriteFile("gate/go", "");
        await starting;
    }

    [Fact]
    public async Task ARequestToAPluginNotRunningWithinItsTimeoutIsATimeoutNamingIt()
    {
        await using var harness = Harness(fixture);
        var starting = harness.StartAsync();

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            harness.Broker.RequestAsync(JsonMessage("double", "1", to: "target"), TimeSpan.FromMilliseconds(300)));
        Assert.Contains("'target'", timeout.Message);
        Assert.Contains("not running yet", timeout.Message);

        harness.WriteFile("gate/go", "");
        await starting;
    }
}
