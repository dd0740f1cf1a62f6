using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// Several messages in flight to a worker (the channel's window): a crash or a timeout in the middle of a batch is
/// charged to the message that caused it; every other one is still handled, and the counts balance.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class WorkerWindowTests(PythonRuntimeFixture fixture)
{
    private const int Count = 120;

    // Message 0 sleeps, so the others pile up in the host's inbox and cross in one batch once its outcome is back.
    // Those before the bad one return at once (their outcomes still travel in one run when it strikes); only 0 and
    // those after it say who handled them.
    private const string Worker = """
        import os, time, pluginhost
        @pluginhost.on("work")
        def work(message):
            n = message.payload
            if n == 0:
                time.sleep(0.5)
            if n == BAD:
                FAULT
            if n == 0 or n > BAD:
                pluginhost.publish("done", {"n": n, "pid": os.getpid()})
        def on_message(message):
            return os.getpid()
        """;

    [Fact]
    public async Task AWorkerCrashingMidBatchFailsOnlyTheMessageItRanAndTheOthersInFlightAreHandledByTheNextWorker()
    {
        await using var run = await StartAsync("os.abort()", "process.exit");
        var first = int.Parse(TextOf(await run.Broker.RequestAsync(JsonMessage("pid", "null", to: "windowed"), TimeSpan.FromSeconds(30))));

        await run.SendAsync();

        await run.AccountedAsync(handled: Count - 1, deadLettered: 1);
        var stats = run.Sent;
        Assert.Equal((1L, 0L, (long)Count), (stats.Failed, stats.Retried, stats.Received));   // nothing else failed, nothing counted twice
        Assert.Equal(1, run.Harness.Status("windowed").Restarts);
        // Messages after the crash were handled by the restarted worker: they were in flight and came back unrun
        // (those before it whose outcomes had not left the dead worker are counted from the page it shared: not run again;
        // SinglePhaseFixtureTests' crash test checks that by a count kept in C).
        Assert.All(run.Done.Where(d => d.N > Bad), d => Assert.NotEqual(first, d.Pid));
        Assert.Contains(run.Done, d => d.N == 0 && d.Pid == first);
    }

    [Fact]
    public async Task AHandlerTimeoutMidBatchInterruptsOnlyThatHandlerAndTheWorkerHandlesTheRest()
    {
        await using var run = await StartAsync("while True: pass", null, handlerTimeout: TimeSpan.FromSeconds(1));

        await run.SendAsync();

        await run.AccountedAsync(handled: Count - 1, deadLettered: 1);
        Assert.Contains("HandlerTimeout", Assert.Single(run.Letters).Headers[DeadLetterHeaders.Error]);
        Assert.Single(run.Done.Select(d => d.Pid).Distinct());   // interrupted in Python: no restart, one worker throughout
        Assert.Equal(0, run.Harness.Status("windowed").Restarts);
    }

    [Fact]
    public async Task LargePayloadsCrossIntactInSeveralBatches()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("big", """
            import pluginhost
            @pluginhost.on("big")
            def big(message):
                data = message.payload
                n = data[0]
                pluginhost.publish("big.done", {"n": n, "ok": len(data) == 3 << 20 and data.count(n) == len(data)})
            """, """ "isolation": "process" """);
        await harness.StartAsync();
        var done = new ConcurrentQueue<string>();
        using var subscription = harness.Broker.Subscribe("big.done", (m, _) => { done.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        // 12 x 3 MiB: more than a Deliver frame carries (4 MiB) and than the window holds in bytes (32 MiB).
        for (var n = 1; n <= 12; n++)
        {
            var payload = new byte[3 << 20];
            Array.Fill(payload, (byte)n);
            await harness.Broker.PublishAsync(new Message { Topic = "big", Payload = payload, ContentType = ContentTypes.Bytes, Sender = "test" });
        }

        await Until(() => done.Count == 12, 60);
        var seen = done.Select(d => JsonDocument.Parse(d).RootElement).Select(d => (N: d.GetProperty("n").GetInt32(), Ok: d.GetProperty("ok").GetBoolean()));
        Assert.Equal(Enumerable.Range(1, 12).Select(n => (n, true)), seen.OrderBy(d => d.N));
        Assert.Equal(12, harness.Broker.Snapshot().For("big").Handled);
    }

    private const int Bad = 50;

    private async Task<Run> StartAsync(string fault, string? capability, TimeSpan? handlerTimeout = null)
    {
        var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        if (handlerTimeout is { } timeout)
            harness.Options.HandlerTimeout = timeout;
        var capabilities = capability is null ? "" : $$""", "capabilities": ["{{capability}}"]""";
        harness.Plugin("windowed", Worker.Replace("BAD", Bad.ToString()).Replace("FAULT", fault), $$""" "isolation": "process"{{capabilities}} """);
        var run = new Run(harness);
        await harness.StartAsync();
        run.Listen();
        return run;
    }

    private sealed record Handled(int N, int Pid);

    private sealed class Run(SupervisorHarness harness) : IAsyncDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];

        public SupervisorHarness Harness => harness;

        public MessageBroker Broker => harness.Broker;

        public ConcurrentQueue<Handled> Done { get; } = new();

        public ConcurrentQueue<Message> Letters { get; } = new();

        public void Listen()
        {
            _subscriptions.Add(Broker.Subscribe("done", (m, _) =>
            {
                using var json = JsonDocument.Parse(TextOf(m));
                Done.Enqueue(new Handled(json.RootElement.GetProperty("n").GetInt32(), json.RootElement.GetProperty("pid").GetInt32()));
                return ValueTask.FromResult<Message?>(null);
            }));
            _subscriptions.Add(Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) =>
            {
                Letters.Enqueue(m);
                return ValueTask.FromResult<Message?>(null);
            }));
        }

        /// <summary>The totals before <see cref="SendAsync"/> (a request made first counts in them).</summary>
        public OwnerStatistics Before { get; private set; } = new("windowed", 0, 0, 0, 0, 0, 0, 0);

        public OwnerStatistics Sent => Broker.Snapshot().For("windowed") is var s
            ? s with { Received = s.Received - Before.Received, Handled = s.Handled - Before.Handled, Failed = s.Failed - Before.Failed }
            : Before;

        public async Task SendAsync()
        {
            Before = Broker.Snapshot().For("windowed");
            for (var n = 0; n < Count; n++)
                await Broker.PublishAsync(JsonMessage("work", n.ToString()));
        }

        /// <summary>Every message has one outcome: the bad one dead-lettered, each other one handled.</summary>
        public async Task AccountedAsync(int handled, int deadLettered)
        {
            await Until(() => Sent is var s && s.Handled + s.DeadLettered + s.Dropped == Count && Letters.Count == deadLettered, 60);
            var stats = Sent;
            Assert.Equal(((long)handled, (long)deadLettered, 0L, 0), (stats.Handled, stats.DeadLettered, stats.Dropped, stats.InboxDepth));
            var letter = Assert.Single(Letters);
            Assert.Equal(Bad.ToString(), TextOf(letter));
            var reporting = Enumerable.Range(0, Count).Where(n => n == 0 || n > Bad).ToList();
            await Until(() => Done.Select(d => d.N).Distinct().Count() == reporting.Count, 10);
            Assert.Equal(reporting, Done.Select(d => d.N).Distinct().Order());
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var subscription in _subscriptions)
                subscription.Dispose();
            await harness.DisposeAsync();
        }
    }
}
