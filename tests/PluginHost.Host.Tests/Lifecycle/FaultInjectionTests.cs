using System.Collections.Concurrent;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Lifecycle.RestartTests;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// A plugin misbehaves while a neighbour keeps working: each time the neighbour handles all its traffic and every
/// message sent to the faulty plugin is accounted for: handled + dead-lettered + dropped + refused at the sender.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class FaultInjectionTests(PythonRuntimeFixture fixture)
{
    private const int Ticks = 50;

    private const string Steady = """
        import pluginhost
        @pluginhost.on("tick")
        def tick(message):
            pluginhost.publish("test.done", "tick")
        """;

    [Fact]
    public async Task InfiniteLoopHandler()
    {
        await using var run = await Start(h => h.Options.HandlerTimeout = TimeSpan.FromMilliseconds(300), """
            def on_message(message):
                if message.payload == "fault":
                    while True:
                        pass
            """);

        await run.SendAsync(faults: 3, good: 5);

        await run.AccountedAsync(handled: 5, deadLettered: 3);
        Assert.All(run.Letters, l => Assert.Contains("HandlerTimeout", l.Headers[DeadLetterHeaders.Error]));
    }

    [Fact]
    public async Task HandlerBlockedInNativeCodeIsLeftBehindForAFreshInterpreter()
    {
        await using var run = await Start(h =>
        {
            h.Options.HandlerTimeout = TimeSpan.FromMilliseconds(300);
            h.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        }, """
            import time
            def on_message(message):
                if message.payload == "fault":
                    time.sleep(8)                        # in C: the interrupt waits until it returns
            """);

        await run.SendAsync(faults: 1, good: 0);
        await Until(() => run.Harness.Status("faulty") is { State: PluginState.Running, Restarts: 1 }, 30);
        await Until(() => run.Letters.Count == 1, 30);   // the old interpreter's sleep returned
        await run.SendAsync(faults: 0, good: 5);

        // The 5 are handled by the fresh interpreter; the sleeper is dead-lettered when its sleep returns, and the
        // fresh interpreter is not mistaken for a stuck one meanwhile.
        await run.AccountedAsync(handled: 5, deadLettered: 1);
        Assert.Equal(1, run.Harness.Status("faulty").Restarts);
        Assert.Equal(1, run.Harness.Status("faulty").Abandoned);
        Assert.Contains(run.Harness.Logs.Records, r => r.EventId == LogEvents.InterpreterAbandoned);
    }

    [Fact]
    public async Task DeepRecursionInPythonAndInCIsARecursionErrorNotACrash()
    {
        await using var run = await Start(_ => { }, """
            import sys, json
            sys.setrecursionlimit(20_000)
            def down(n):
                return down(n + 1)
            def nested(depth):
                value = []
                for _ in range(depth):
                    value = [value]
                return value
            def on_message(message):
                if message.payload == "fault":
                    down(0)                              # Python frames, up to the raised limit
                if message.payload == "native":
                    json.dumps(nested(200_000))        # C recursion, stopped by CPython's C limit
            """);

        await run.SendAsync(faults: 2, good: 5);
        await run.Broker.PublishAsync(Text("work", "native") with { To = "faulty" });
        run.Sent++;

        await run.AccountedAsync(handled: 5, deadLettered: 3);
        Assert.All(run.Letters, l => Assert.Contains("RecursionError", l.Headers[DeadLetterHeaders.Error]));
    }

    [Fact]
    public async Task MemoryErrorIsAFailedMessageAndThePluginGoesOn()
    {
        await using var run = await Start(_ => { }, """
            def on_message(message):
                if message.payload == "fault":
                    raise MemoryError("simulated")
                if message.payload == "huge":
                    bytearray(1 << 60)
            """);

        await run.SendAsync(faults: 2, good: 5);
        await run.Broker.PublishAsync(Text("work", "huge") with { To = "faulty" });
        run.Sent++;

        await run.AccountedAsync(handled: 5, deadLettered: 3);
        Assert.All(run.Letters, l => Assert.Contains("MemoryError", l.Headers[DeadLetterHeaders.Error]));
        Assert.Equal(PluginState.Running, run.Harness.Status("faulty").State);
    }

    [Fact]
    public async Task ExceptionStormRestartsThePluginAndEveryMessageIsDeadLettered()
    {
        await using var run = await Start(h =>
        {
            h.Options.Restart = new RestartOptions
            {
                InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 100, MaxHandlerFailures = 20,
            };
        }, "def on_message(message):\n    raise ValueError('storm')\n");

        await run.SendAsync(faults: 200, good: 0);

        await run.AccountedAsync(handled: 0, deadLettered: 200);
        Assert.InRange(run.Harness.Status("faulty").Restarts, 1, 10);
        Assert.Contains(run.Harness.Logs.Records, r => r.EventId == LogEvents.PluginRestarting && r.Message.Contains("20 handler failures within"));
    }

    [Fact]
    public async Task PluginThatDiesDuringStartHasWhatWasSentToItDeadLettered()
    {
        await using var run = await Start(h =>
        {
            h.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromSeconds(3), MaxRestarts = 1 };
        }, "import sys\ndef on_message(message):\n    pass\ndef setup(ctx):\n    sys.exit(2)\n");

        await run.SendAsync(faults: 0, good: 10);

        await run.AccountedAsync(handled: 0, deadLettered: 10);
        Assert.Equal(PluginState.Failed, run.Harness.Status("faulty").State);
        Assert.Contains("SystemExit: 2", run.Harness.Status("faulty").Error);
    }

    [Fact]
    public async Task PluginThatDiesDuringARequestFailsThatRequestAndServesAfterItsRestart()
    {
        await using var run = await Start(h =>
        {
            h.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(50) };
        }, """
            import sys
            def on_message(message):
                if message.payload == "fault":
                    sys.exit(1)
                return "answer " + message.payload
            """);
        var ticks = run.TicksAsync();

        var died = await Assert.ThrowsAsync<MessageDeliveryException>(() => run.Broker.RequestAsync(Text("work", "fault") with { To = "faulty" }, TimeSpan.FromSeconds(30)));
        var reply = await run.Broker.RequestAsync(Text("work", "1") with { To = "faulty" }, TimeSpan.FromSeconds(30));
        await ticks;

        Assert.Contains("SystemExit: 1", died.Message);
        Assert.Equal("answer 1", TextOf(reply));
        Assert.Equal(1, run.Harness.Status("faulty").Restarts);
        await run.NeighbourDoneAsync();
    }

    [Fact]
    public async Task PluginThatHangsOrRaisesInTeardownStillStopsAndHandlesWhatWasQueued()
    {
        var run = await Start(h =>
        {
            h.Options.StopTimeout = TimeSpan.FromSeconds(2);
            h.Plugin("raiser", "def teardown():\n    raise RuntimeError('teardown failed')\n");
        }, """
            import pluginhost
            def on_message(message):
                pluginhost.publish("test.handled", message.payload)
            def teardown():
                while True:
                    pass
            """);
        try
        {
            await run.SendAsync(faults: 0, good: 20);
            await run.NeighbourDoneAsync();
        }
        finally
        {
            await run.DisposeAsync();
        }

        var stats = run.Harness.Broker.Snapshot().For("faulty");
        Assert.Equal(20, stats.Handled + stats.Dropped);
        Assert.Equal(PluginState.Stopped, run.Harness.Status("faulty").State);
        Assert.Contains(run.Harness.Logs.Records, r => r.EventId == LogEvents.StopHookFailed && r.Message.Contains("faulty"));
        Assert.Contains(run.Harness.Logs.Records, r => r.EventId == LogEvents.StopHookFailed && r.Message.Contains("teardown failed"));
        Assert.DoesNotContain(run.Harness.Logs.Records, r => r.EventId == LogEvents.InterpreterLeftRunning);   // not abandoned: it ended
    }

    private async Task<FaultRun> Start(Action<SupervisorHarness> configure, string faulty)
    {
        var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        configure(harness);
        harness.Plugin("faulty", faulty, "\"subscriptions\": [\"work\"]");
        harness.Plugin("steady", Steady);
        var run = new FaultRun(harness);
        await harness.StartAsync();
        run.Listen();
        return run;
    }

    private sealed class FaultRun(SupervisorHarness harness) : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _done = new();
        private readonly List<IDisposable> _subscriptions = [];
        private int _refused;
        private int _ticksSent;

        public SupervisorHarness Harness => harness;

        public MessageBroker Broker => harness.Broker;

        public ConcurrentQueue<Message> Letters { get; } = new();

        public int Sent { get; set; }

        public void Listen()
        {
            _subscriptions.Add(Broker.Subscribe("test.done", Collect(_done)));
            _subscriptions.Add(Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) =>
            {
                if (m.Headers[DeadLetterHeaders.FailedBy].StartsWith("faulty/", StringComparison.Ordinal)) Letters.Enqueue(m);
                return ValueTask.FromResult<Message?>(null);
            }));
        }

        /// <summary>Faults and good messages to the faulty plugin, by topic, with the neighbour's ticks in between.</summary>
        public async Task SendAsync(int faults, int good)
        {
            var ticks = TicksAsync();
            foreach (var payload in Enumerable.Repeat("fault", faults).Concat(Enumerable.Repeat("good", good)))
            {
                Sent++;
                try
                {
                    await Broker.PublishAsync(Text("work", payload));
                }
                catch (MessageDeliveryException)
                {
                    Interlocked.Increment(ref _refused);
                }
            }
            await ticks;
        }

        public async Task TicksAsync()
        {
            for (var i = 0; i < Ticks; i++)
            {
                Interlocked.Increment(ref _ticksSent);
                await Broker.PublishAsync(Text("tick", ""));
            }
        }

        public async Task NeighbourDoneAsync()
        {
            await Until(() => _done.Count == Volatile.Read(ref _ticksSent), 30);
            Assert.Equal(_ticksSent, Broker.Snapshot().For("steady").Handled);
        }

        /// <summary>Every message sent to the faulty plugin has an outcome, and the neighbour handled all its ticks.</summary>
        public async Task AccountedAsync(int handled, int deadLettered)
        {
            await Until(() => Outcomes(Broker.Snapshot().For("faulty")) == Sent, 60);
            var stats = Broker.Snapshot().For("faulty");
            Assert.Equal(((long)handled, (long)deadLettered, 0L), (stats.Handled, stats.DeadLettered, stats.Dropped + _refused));
            await Until(() => Letters.Count == deadLettered, 10);
            await NeighbourDoneAsync();
        }

        private long Outcomes(OwnerStatistics s) => s.Handled + s.DeadLettered + s.Dropped + _refused;

        public async ValueTask DisposeAsync()
        {
            foreach (var subscription in _subscriptions)
                subscription.Dispose();
            await harness.DisposeAsync();
        }
    }
}
