using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Messaging;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// The single-phase C extension fixture (<see cref="SinglePhasePlugin"/>: C static state, a segfault, a kill and a
/// block holding the GIL on demand, malloc'd memory no interpreter figure sees) in a worker process, beside an
/// ordinary plugin in a subinterpreter.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class SinglePhaseFixtureTests(PythonRuntimeFixture fixture)
{
    private const string Neighbour = """
        import os, pluginhost
        tocks = []

        @pluginhost.on("tock")
        def tock(message):
            tocks.append(message.payload["count"])

        def on_message(message):
            if message.topic == "go":
                for _ in range(3):
                    pluginhost.publish("tick", None)                    # to the worker's @on("tick")
                return pluginhost.request("get", None, to="legacy").payload   # after the ticks: one inbox, in order
            if message.topic == "tocks":
                return tocks
            return {"name": "neighbour", "pid": os.getpid()}            # what the worker asks
        """;

    [Fact]
    public async Task InASubinterpreterItIsRefusedWithTheFixNamedAndTheIsolationThatWouldRunIt()
    {
        await using var harness = new SupervisorHarness(fixture);
        SinglePhasePlugin.Add(harness, "legacy", isolation: null);   // the default: subinterpreter
        await harness.StartAsync();

        var status = harness.Status("legacy");
        Assert.Equal(PluginState.Failed, status.State);
        Assert.Contains("module legacy does not support loading in subinterpreters", status.Error);
        foreach (var fix in new[] { "multi-phase initialisation (PEP 489", "heap types", "module state", "\"isolation\": \"process\" (or \"auto\") in plugin.json runs the plugin in a worker process" })
            Assert.Contains(fix, status.Error);
        Assert.Equal(0, status.Restarts);   // it never will load there: no restart tries again
    }

    [Fact]
    public async Task TheSamePluginRunsWithIsolationProcessAndWithAutoEachInAProcessOfItsOwn()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(100) };
        SinglePhasePlugin.Add(harness, "legacy-process", "process");
        SinglePhasePlugin.Add(harness, "legacy-auto", "auto");
        await harness.StartAsync();

        var process = await Ask(harness, "increment", "legacy-process");
        var auto = await Ask(harness, "increment", "legacy-auto");

        Assert.NotEqual(Environment.ProcessId, process.GetProperty("pid").GetInt32());
        Assert.NotEqual(Environment.ProcessId, auto.GetProperty("pid").GetInt32());
        Assert.NotEqual(process.GetProperty("pid").GetInt32(), auto.GetProperty("pid").GetInt32());
        Assert.Equal(1, process.GetProperty("count").GetInt32());   // each its own static counter
        Assert.Equal(1, auto.GetProperty("count").GetInt32());
        var fallback = Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.WorkerFallback);
        Assert.Contains("Plugin legacy-auto instance 0 (isolation auto) runs in a worker process from now on: module legacy does not support loading in subinterpreters", fallback.Message);
        Assert.DoesNotContain("Fix:", fallback.Message);   // the module and why, not the advice the fallback follows
    }

    [Fact]
    public async Task ItExchangesMessagesAndRequestsWithASubinterpreterPluginInBothDirections()
    {
        await using var harness = new SupervisorHarness(fixture);
        SinglePhasePlugin.Add(harness, "legacy", "process");
        harness.Plugin("neighbour", Neighbour);
        await harness.StartAsync();

        var got = await Ask(harness, "go", "neighbour");        // neighbour → worker: 3 messages, then a request
        var asked = await Ask(harness, "ask", "legacy");        // worker → neighbour: a request
        var tocks = await Ask(harness, "tocks", "neighbour");  // worker → neighbour: 3 messages
        for (var tries = 0; tocks.GetArrayLength() < 3 && tries < 300; tries++)
        {
            await Task.Delay(100);
            tocks = await Ask(harness, "tocks", "neighbour");
        }

        var worker = got.GetProperty("pid").GetInt32();
        Assert.NotEqual(Environment.ProcessId, worker);
        Assert.Equal(3, got.GetProperty("count").GetInt32());   // the ticks were counted in C before the request came
        Assert.Equal(worker, asked.GetProperty("pid").GetInt32());
        Assert.Equal("neighbour", asked.GetProperty("reply").GetProperty("name").GetString());
        Assert.Equal(Environment.ProcessId, asked.GetProperty("reply").GetProperty("pid").GetInt32());
        Assert.Equal("[1,2,3]", tocks.GetRawText());
    }

    [Fact]
    public async Task TwoInstancesKeepTheirCStaticStateApartInAProcessEach()
    {
        await using var harness = new SupervisorHarness(fixture);
        SinglePhasePlugin.Add(harness, "legacy", "process", """ "instances": 2 """);
        await harness.StartAsync();

        for (var n = 0; n < 3; n++)
            await Ask(harness, "increment", "legacy/0");
        await Ask(harness, "increment", "legacy/1");
        var first = await Ask(harness, "get", "legacy/0");
        var second = await Ask(harness, "get", "legacy/1");

        Assert.Equal(3, first.GetProperty("count").GetInt32());
        Assert.Equal(1, second.GetProperty("count").GetInt32());
        Assert.NotEqual(first.GetProperty("pid").GetInt32(), second.GetProperty("pid").GetInt32());
    }

    [Theory]
    [InlineData("segfault", 139)]   // SIGSEGV in C
    [InlineData("sigkill", 137)]    // SIGKILL: what the kernel's OOM killer sends
    public async Task ANativeCrashOrAKillRestartsTheInstanceItsNeighbourIsUnaffectedAndEveryMessageIsAccountedFor(string crash, int exitCode)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.BrokerOptions.MaxRetries = 0;   // the message that crashed it is dead-lettered, not tried again
        SinglePhasePlugin.Add(harness, "legacy", "process");
        harness.Plugin("neighbour", "def on_message(message):\n    return message.payload\n");
        await harness.StartAsync();
        using var recorder = new MetricsTests.Recorder(harness.Broker);
        var before = (await Ask(harness, "get", "legacy")).GetProperty("pid").GetInt32();

        for (var n = 0; n < 5; n++)
            await harness.Broker.PublishAsync(JsonMessage("increment", "null", to: "legacy"));
        await harness.Broker.PublishAsync(JsonMessage(crash, "null", to: "legacy"));
        for (var n = 0; n < 5; n++)
            await harness.Broker.PublishAsync(JsonMessage("increment", "null", to: "legacy"));
        for (var n = 0; n < 20; n++)
            await harness.Broker.PublishAsync(JsonMessage("echo", $"{n}", to: "neighbour"));
        var after = await Ask(harness, "get", "legacy", seconds: 60);

        Assert.NotEqual(before, after.GetProperty("pid").GetInt32());
        Assert.Equal(5, after.GetProperty("count").GetInt32());   // a fresh process, fresh C statics: the 5 sent after the crash
        Assert.Equal(1, harness.Status("legacy").Restarts);
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains($"Worker process {before} (plugin:legacy/0) exited with code {exitCode}"));
        const string Legacy = " plugin=legacy instance=0", Other = " plugin=neighbour instance=0";
        await Until(() => recorder["pluginhost.messages.handled" + Other] == 20, 30);
        Assert.Equal(PluginState.Running, harness.Status("neighbour").State);
        Assert.Equal(0, recorder["pluginhost.messages.failed" + Other]);
        Assert.Equal(0, harness.Status("neighbour").Restarts);
        // Sent to it: 2 requests, 10 increments and the crash. Handled: all but the crash, which was dead-lettered.
        Assert.Equal(13, recorder["pluginhost.messages.received" + Legacy]);
        Assert.Equal(12, recorder["pluginhost.messages.handled" + Legacy]);
        Assert.Equal(1, recorder["pluginhost.messages.failed" + Legacy]);
        Assert.Equal(1, recorder["pluginhost.messages.dead_lettered" + Legacy + " reason=failed"]);
        Assert.Equal(0, recorder["pluginhost.messages.dropped" + Legacy]);
    }

    [Fact]
    public async Task AHandlerBlockedInCHoldingTheGilPastItsTimeoutAndGraceGetsTheWorkerKilledAndRestarted()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromSeconds(1);   // + the grace (at least 5 s): killed after ~6 s of its 60
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.BrokerOptions.MaxRetries = 0;
        SinglePhasePlugin.Add(harness, "legacy", "process");
        await harness.StartAsync();
        var before = (await Ask(harness, "increment", "legacy")).GetProperty("pid").GetInt32();

        await harness.Broker.PublishAsync(JsonMessage("block", "null", to: "legacy"));
        var after = await Ask(harness, "get", "legacy", seconds: 50);

        Assert.NotEqual(before, after.GetProperty("pid").GetInt32());
        Assert.Equal(0, after.GetProperty("count").GetInt32());
        Assert.Contains("blocking in C", harness.PluginMessages("legacy"));
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains("did not return when interrupted (blocked in native code?)"));
        await Until(() => harness.Logs.Records.Any(r => r.Message.Contains($"Worker process {before} (plugin:legacy/0) exited with code 137")), 20);
        Assert.Equal(1, harness.Status("legacy").Restarts);
    }

    [Fact]
    public async Task AFileOpenedOutsideItsGrantsIsDeniedInTheWorkerAndCountedInTheHostsMetrics()
    {
        await using var harness = new SupervisorHarness(fixture);
        SinglePhasePlugin.Add(harness, "legacy", "process");
        harness.WriteFile("elsewhere/secret.txt", "not yours");
        await harness.StartAsync();
        using var denials = new DenialCounter();

        var reply = TextOf(await harness.Broker.RequestAsync(
            JsonMessage("open", JsonSerializer.Serialize(Path.Combine(harness.Root, "elsewhere", "secret.txt")), to: "legacy"), TimeSpan.FromSeconds(30)));

        Assert.StartsWith("denied: ", reply);
        Assert.Contains("filesystem.read", reply);
        Assert.Contains("secret.txt", reply);
        await Until(() => denials.For("legacy") == 1, 10);
    }

    [Fact]
    public async Task MemoryMallocdInCPastMemoryLimitMiBIsSeenAsTheWorkersResidentMemoryAndRestartsIt()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(100);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.Options.Plugins["legacy"] = new PluginOptions { MemoryLimitMiB = 96 };
        SinglePhasePlugin.Add(harness, "legacy", "process");
        await harness.StartAsync();
        var before = (await Ask(harness, "get", "legacy")).GetProperty("pid").GetInt32();
        await Until(() => harness.Status("legacy").ResidentBytes is not null, 20);
        Assert.InRange(harness.Status("legacy").ResidentBytes!.Value, 1 << 20, 96L << 20);   // an idle worker: under its limit

        await harness.Broker.PublishAsync(JsonMessage("hold", "160", to: "legacy"));   // malloc'd in C: no interpreter figure sees it

        await Until(() => harness.Logs.Records.Any(r => r.EventId == LogEvents.PluginRestarting), 30);   // the count goes up before the line is written
        Assert.Equal(1, harness.Status("legacy").Restarts);
        var reason = harness.Logs.Records.First(r => r.EventId == LogEvents.PluginRestarting).Message;
        Assert.Contains("its worker process holds", reason);
        Assert.Contains("of resident memory (anonymous and shared-memory pages, not mapped files), over the limit of 96 MiB (PluginHost:Plugins:legacy:MemoryLimitMiB)", reason);
        var after = await Ask(harness, "get", "legacy");
        Assert.NotEqual(before, after.GetProperty("pid").GetInt32());
    }

    private static async Task<JsonElement> Ask(SupervisorHarness harness, string topic, string to, int seconds = 30)
    {
        var reply = await harness.Broker.RequestAsync(JsonMessage(topic, "null", to: to), TimeSpan.FromSeconds(seconds));
        using var document = JsonDocument.Parse(TextOf(reply));
        return document.RootElement.Clone();
    }

    /// <summary>Sums <c>pluginhost.policy.denials</c> by plugin, as a metrics exporter would see them.</summary>
    private sealed class DenialCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();

        public DenialCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "pluginhost.policy.denials") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "plugin") _sums.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
            });
            _listener.Start();
        }

        public long For(string plugin) => _sums.GetValueOrDefault(plugin);

        public void Dispose() => _listener.Dispose();
    }
}
