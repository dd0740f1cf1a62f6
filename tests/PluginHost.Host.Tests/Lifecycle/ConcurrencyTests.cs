using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// MaxConcurrency (issue 19 item 3): async handlers of one instance with several messages in flight on its event loop,
/// never more than the limit; the inbox is drained only as slots free; every message gets exactly one outcome,
/// including a handler timing out among others and a stop in the middle of a burst.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]   // asyncio differs between 3.12 and 3.13 (eager tasks, the running loop's storage): both run them
public sealed class ConcurrencyTests(PythonRuntimeFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TenHandlersWaitingForTheTenthArrivalAllCompleteAtMaxConcurrencyTen()
    {
        await using var harness = new SupervisorHarness(fixture);
        // At concurrency 1 the first handler would wait for ever: the tenth message would never be taken.
        harness.Plugin("rendezvous", """
            import asyncio
            arrived = 0
            everyone = None

            async def on_message(message):
                global arrived, everyone
                if everyone is None:
                    everyone = asyncio.Event()
                arrived += 1
                if arrived == 10:
                    everyone.set()
                await everyone.wait()
                return message.payload
            """, """ "maxConcurrency": 10 """);
        await harness.StartAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            harness.Broker.RequestAsync(JsonMessage("meet", i.ToString(), to: "rendezvous"), Wait)));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), replies.Select(TextOf));
        var totals = harness.Broker.Snapshot().For("rendezvous");
        Assert.Equal(10, totals.Handled);
        Assert.Equal(0, totals.Failed);
    }

    [Fact]
    public async Task InFlightReachesTheConfiguredLimitAndNeverExceedsIt()
    {
        const int sent = 60;
        await using var harness = new SupervisorHarness(fixture);
        // The configuration key overrides the manifest's value.
        harness.Options.Plugins["limited"] = new PluginOptions { MaxConcurrency = 4 };
        harness.Plugin("limited", """
            import asyncio, pluginhost
            now = highest = 0

            async def on_message(message):
                global now, highest
                if message.payload == "report":
                    return highest
                now += 1
                highest = max(highest, now)
                await asyncio.sleep(0.01)
                now -= 1
                pluginhost.publish("test.done", message.payload)
            """, """ "maxConcurrency": 2, "subscriptions": ["work"] """);
        var done = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.done", (m, _) => { done.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });

        for (var i = 0; i < sent; i++)
            await harness.Broker.PublishAsync(JsonMessage("work", i.ToString()));
        await Until(() => done.Count == sent, 60);
        var highest = TextOf(await harness.Broker.RequestAsync(JsonMessage("q", "\"report\"", to: "limited"), Wait));

        Assert.Equal("4", highest);
        Assert.Equal(sent, done.Distinct().Count());
        var totals = harness.Broker.Snapshot().For("limited");
        Assert.Equal(sent + 1, totals.Handled);
        Assert.Equal(0, totals.Failed);
        Assert.Equal(0, totals.InboxDepth);
    }

    [Fact]
    public async Task AHandlerTimingOutWhileOthersAreInFlightIsTheOnlyOneCancelledAndCounted()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromMilliseconds(500);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("mixed", """
            import asyncio, pluginhost

            async def on_message(message):
                if message.payload == "hang":
                    try:
                        await asyncio.Event().wait()
                    except asyncio.CancelledError:
                        pluginhost.publish("test.cancelled", "hang")
                        raise
                if message.payload == "boom":
                    await asyncio.sleep(0)
                    raise ValueError("boom from a handler in flight")
                await asyncio.sleep(0.05)
                return "ok " + message.payload
            """, """ "maxConcurrency": 8 """);
        var cancelled = new ConcurrentQueue<string>();
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("test.cancelled", (m, _) => { cancelled.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("x", "\"hang\"", to: "mixed"));
        var quick = Enumerable.Range(0, 5).Select(i => harness.Broker.RequestAsync(JsonMessage("x", $"\"{i}\"", to: "mixed"), Wait)).ToArray();
        var boom = await Assert.ThrowsAnyAsync<Exception>(() => harness.Broker.RequestAsync(JsonMessage("x", "\"boom\"", to: "mixed"), Wait));
        var replies = await Task.WhenAll(quick);
        await Until(() => !letters.IsEmpty, 30);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"ok {i}"), replies.Select(TextOf));
        Assert.Contains("boom from a handler in flight", boom.Message);
        Assert.Equal(["hang"], cancelled);
        var letter = Assert.Single(letters);
        Assert.Contains("HandlerTimeout", letter.Headers["error"]);
        var totals = harness.Broker.Snapshot().For("mixed");
        Assert.Equal(7, totals.Received);
        Assert.Equal(5, totals.Handled);
        Assert.Equal(2, totals.Failed);   // the one timed out and the one that raised, nothing else
        Assert.Equal(PluginState.Running, harness.Status("mixed").State);
        Assert.Equal(0, harness.Status("mixed").Restarts);
    }

    [Fact]
    public async Task TheInboxIsDrainedOnlyAsSlotsFreeSoTheFullInboxPolicyStillApplies()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.InboxCapacity = 5;
        harness.BrokerOptions.FullInboxMode = FullInboxMode.Fail;
        harness.Plugin("held", """
            import pluginhost

            async def on_message(message):
                pluginhost.publish("test.started", message.payload)
                await pluginhost.request_async("gate", None, timeout=60)   # until the test opens the gate
            """, """ "maxConcurrency": 3 """);
        var started = new ConcurrentQueue<string>();
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("test.started", (m, _) => { started.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe("gate", async (m, _) => { await open.Task; return JsonMessage("gate", "null"); });

        for (var i = 0; i < 3; i++)
            Assert.Equal(PublishStatus.Delivered, harness.Broker.TryPublish(JsonMessage("x", i.ToString(), to: "held")).Status);
        await Until(() => started.Count == 3, 30);
        var more = Enumerable.Range(3, 10).Select(i => harness.Broker.TryPublish(JsonMessage("x", i.ToString(), to: "held")).Status).ToList();

        // Three in flight take no room; the inbox holds five more; the rest are refused at once (FullInboxMode Fail).
        Assert.Equal(Enumerable.Repeat(PublishStatus.Delivered, 5).Concat(Enumerable.Repeat(PublishStatus.Refused, 5)), more);
        Assert.Equal(3, started.Count);
        Assert.Equal(5, harness.Broker.Snapshot().For("held").InboxDepth);

        open.SetResult();
        await Until(() => harness.Broker.Snapshot().For("held").Handled == 8, 60);
        Assert.Equal(8, started.Count);
        Assert.Equal(0, harness.Broker.Snapshot().For("held").Failed);
    }

    [Fact]
    public async Task AStopDuringABurstWithManyInFlightWaitsForThemCancelsTheRestAndAccountsForEveryMessage()
    {
        const int sent = 200;
        var harness = new SupervisorHarness(fixture);
        harness.Options.StopTimeout = TimeSpan.FromSeconds(2);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("burst", """
            import asyncio, pluginhost

            async def on_message(message):
                if int(message.payload) % 10 == 0:
                    try:
                        await asyncio.Event().wait()   # never ends by itself: cancelled by the stop
                    except asyncio.CancelledError:
                        pluginhost.publish("test.cancelled", message.payload)
                        raise
                await asyncio.sleep(0.02)
            """, """ "maxConcurrency": 20, "subscriptions": ["burst"] """);
        var cancelled = new ConcurrentQueue<string>();
        await harness.StartAsync();
        using var _ = harness.Broker.Subscribe("test.cancelled", (m, _) => { cancelled.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });
        for (var i = 0; i < sent; i++)
            await harness.Broker.PublishAsync(JsonMessage("burst", i.ToString()));
        await Until(() => harness.Broker.Snapshot().For("burst").Handled >= 20, 30);

        await harness.DisposeAsync();

        var totals = harness.Broker.Snapshot().For("burst");
        Assert.Equal(sent, totals.Received);
        Assert.Equal(0, totals.InboxDepth);
        // Each message once: handled, failed (cancelled in flight by the stop, dead-lettered) or dropped unstarted.
        Assert.True(totals.Handled + totals.Failed + totals.Dropped == sent, totals.ToString());
        Assert.True(totals.Failed >= 1, totals.ToString());   // the ones waiting for ever were in flight, and cancelled
        Assert.True(totals.Failed <= 20, totals.ToString());  // never more than were in flight
        await Until(() => cancelled.Count == totals.Failed, 10);   // each cancelled task saw its CancelledError
        Assert.Equal(PluginState.Stopped, harness.Status("burst").State);
    }
}
