using System.Text;
using System.Text.Json;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>Host-provided functions called from real plugins: capabilities, and waiting without blocking others.</summary>
[Collection(PythonCollection.Name)]
public sealed class HostFunctionGrantTests(PythonRuntimeFixture fixture)
{
    private const string Caller = """
        import pluginhost
        def on_message(message):
            try:
                return {"result": pluginhost.call(message.topic, message.payload)}
            except Exception as e:
                return {"error": type(e).__name__, "message": str(e)}
        """;

    private static async Task<JsonElement> Ask(SupervisorHarness harness, string plugin, string function, string json)
    {
        var request = new Message { Topic = function, Payload = Encoding.UTF8.GetBytes(json), ContentType = ContentTypes.Json, To = plugin };
        var reply = await harness.Broker.RequestAsync(request, TimeSpan.FromSeconds(20));
        return JsonDocument.Parse(reply.Payload).RootElement.Clone();
    }

    [Fact]
    public async Task AHostFunctionIsDeniedWithoutItsCapability()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.HostFunctions.Add(new TestFunctions());
        harness.Plugin("plain", Caller);
        harness.Plugin("other-grant", Caller, extraManifest: """ "capabilities": ["host:test.other"] """);
        await harness.StartAsync();

        foreach (var plugin in new[] { "plain", "other-grant" })
        {
            var reply = await Ask(harness, plugin, "test.add", "[1, 2]");
            Assert.Equal("PermissionError", reply.GetProperty("error").GetString());
            var message = reply.GetProperty("message").GetString()!;
            Assert.Contains($"plugin '{plugin}' may not call host function 'test.add'", message);
            Assert.Contains("capability 'host:test.add'", message);
        }
        Assert.Equal(PluginState.Running, harness.Status("plain").State);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenied && r.Message.Contains("host function test.add (host:test.add)"));
    }

    [Fact]
    public async Task AGrantedHostFunctionStillRunsInTheFreshInterpreterAfterARestart()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new PluginHost.Host.Configuration.RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.BrokerOptions.MaxRetries = 0;   // one exit, one restart
        harness.HostFunctions.Add(new TestFunctions());
        harness.Plugin("granted", Caller.Replace("def on_message(message):\n", "def on_message(message):\n    if message.topic == 'die':\n        raise SystemExit(3)\n"),
            extraManifest: """ "capabilities": ["host:test.add"] """);
        await harness.StartAsync();
        Assert.Equal(3, (await Ask(harness, "granted", "test.add", "[1, 2]")).GetProperty("result").GetInt32());

        await harness.Broker.PublishAsync(new Message { Topic = "die", Payload = "{}"u8.ToArray(), ContentType = ContentTypes.Json, To = "granted" });
        await Until(() => harness.Status("granted") is { Restarts: 1, State: PluginState.Running }, 30);

        // The fresh interpreter's binding has the functions its policy grants (it had none: every call was denied).
        var reply = await Ask(harness, "granted", "test.add", "[2, 5]");
        Assert.True(reply.TryGetProperty("result", out var result), reply.ToString());
        Assert.Equal(7, result.GetInt32());
    }

    [Theory]
    [InlineData("host:test.add")]
    [InlineData("host:*")]
    public async Task AGrantedHostFunctionRuns(string capability)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.HostFunctions.Add(new TestFunctions());
        harness.Plugin("granted", Caller, extraManifest: $$""" "capabilities": ["{{capability}}"] """);
        await harness.StartAsync();

        var reply = await Ask(harness, "granted", "test.add", "[1, 2, 39]");

        Assert.Equal(42, reply.GetProperty("result").GetInt32());
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PolicyGranted && r.Message.Contains(capability));
    }

    [Fact]
    public async Task AnAsyncHostFunctionThatWaitsDoesNotBlockOtherPlugins()
    {
        var functions = new TestFunctions();
        await using var harness = new SupervisorHarness(fixture);
        harness.HostFunctions.Add(functions);
        harness.Plugin("waiter", """
            import pluginhost
            def on_message(message):
                result = pluginhost.call("test.wait", None)
                pluginhost.publish("test.waited", result)
            """, extraManifest: """ "capabilities": ["host:test.wait"] """);
        harness.Plugin("counter", """
            count = 0
            def on_message(message):
                global count
                count += 1
                return count
            """);
        await harness.StartAsync();
        var waited = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = harness.Broker.Subscribe("test.waited", (m, _) =>
        {
            waited.TrySetResult(TextOf(m));
            return ValueTask.FromResult<Message?>(null);
        });

        await harness.Broker.PublishAsync(new Message { Topic = "go", To = "waiter" });
        await functions.WaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // The waiter's interpreter is inside its host call now; the counter answers 20 requests meanwhile, in order.
        var counts = new List<int>();
        for (var i = 0; i < 20; i++)
            counts.Add((await Ask(harness, "counter", "count", "null")).GetInt32());
        var waitedBeforeRelease = waited.Task.IsCompleted;
        functions.Release.SetResult("released");

        Assert.Equal(Enumerable.Range(1, 20), counts);
        Assert.False(waitedBeforeRelease);
        Assert.Equal("released", await waited.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    private sealed class TestFunctions : IHostFunctions
    {
        public TaskCompletionSource WaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [HostFunction("test.add")]
        public int Add(int[] numbers) => numbers.Sum();

        [HostFunction("test.other")]
        public string Other() => "other";

        [HostFunction("test.wait")]
        public async Task<string> Wait(CancellationToken cancellationToken)
        {
            WaitStarted.TrySetResult();
            await Task.Delay(500, cancellationToken);
            return await Release.Task.WaitAsync(cancellationToken);
        }
    }
}
