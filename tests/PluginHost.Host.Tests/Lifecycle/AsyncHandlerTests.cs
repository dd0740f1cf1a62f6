using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// <c>async def</c> handlers and hooks (issue 19): run on one event loop per instance, owned by its interpreter's
/// thread, in a subinterpreter and in a worker process alike.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]   // asyncio differs between 3.12 and 3.13 (eager tasks, the running loop's storage): both run them
public sealed class AsyncHandlerTests(PythonRuntimeFixture fixture)
{
    private const string Process = """ "isolation": "process" """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AsyncHandlersAndHooksRunOnTheInstancesLoopBesideSyncOnes(bool inWorker)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("echo", "def on_message(message):\n    return message.payload\n");
        harness.Plugin("asyncer", """
            import asyncio, functools, threading, pluginhost

            async def setup(ctx):
                global setup_loop, setup_thread
                setup_loop = asyncio.get_running_loop()
                setup_thread = threading.get_ident()
                await asyncio.sleep(0)

            async def on_message(message):
                loop = asyncio.get_running_loop()
                await asyncio.sleep(0.001)
                echo = await pluginhost.request_async("echo.it", message.payload, to="echo")
                called = await pluginhost.call_async("nope.missing") if message.payload == "call" else None
                return {"same_loop": loop is setup_loop, "same_thread": threading.get_ident() == setup_thread,
                        "task": asyncio.current_task() is not None, "echo": echo.payload}

            @pluginhost.on("sync.>")
            def sync(message):
                return {"sync": message.payload}

            @pluginhost.on("deco.>")
            async def deco(message):
                await asyncio.sleep(0)
                return "deco " + message.payload

            @pluginhost.on("group.>")
            async def group(message):
                # A TaskGroup and a timeout from the handler's first step (before any await) need it to be a task.
                async with asyncio.timeout(10):
                    async with asyncio.TaskGroup() as tg:
                        parts = [tg.create_task(asyncio.sleep(0.001, n)) for n in range(3)]
                return [p.result() for p in parts]

            @pluginhost.on("nowait.>")
            async def nowait(message):
                return {"task": asyncio.current_task() is not None, "loop": asyncio.get_running_loop() is setup_loop}

            async def _partial(prefix, message):
                return prefix + message.payload

            pluginhost.subscribe("partial.>", functools.partial(_partial, "partial "))

            async def teardown():
                await asyncio.sleep(0)
                print("async teardown ran on the same loop:", asyncio.get_running_loop() is setup_loop)
            """, inWorker ? Process : null);
        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("asyncer").State);

        var reply = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "\"hi\"", to: "asyncer"), TimeSpan.FromSeconds(30)))).RootElement;
        Assert.True(reply.GetProperty("same_loop").GetBoolean());
        Assert.True(reply.GetProperty("same_thread").GetBoolean());
        Assert.True(reply.GetProperty("task").GetBoolean());
        Assert.Equal("hi", reply.GetProperty("echo").GetString());
        Assert.Equal("""{"sync":"s"}""", TextOf(await harness.Broker.RequestAsync(JsonMessage("sync.x", "\"s\""), TimeSpan.FromSeconds(30))));
        Assert.Equal("deco d", TextOf(await harness.Broker.RequestAsync(JsonMessage("deco.x", "\"d\""), TimeSpan.FromSeconds(30))));
        Assert.Equal("[0,1,2]", TextOf(await harness.Broker.RequestAsync(JsonMessage("group.x", "null"), TimeSpan.FromSeconds(30))));
        Assert.Equal("""{"task":true,"loop":true}""", TextOf(await harness.Broker.RequestAsync(JsonMessage("nowait.x", "null"), TimeSpan.FromSeconds(30))));
        Assert.Equal("partial p", TextOf(await harness.Broker.RequestAsync(JsonMessage("partial.x", "\"p\""), TimeSpan.FromSeconds(30))));
        // An awaited host call that fails is the handler's exception, as for sync code.
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => harness.Broker.RequestAsync(JsonMessage("go", "\"call\"", to: "asyncer"), TimeSpan.FromSeconds(30)));
        Assert.Contains("nope.missing", failed.Message);

        await harness.DisposeAsync();
        await Until(() => harness.PluginMessages("asyncer").Any(m => m.Contains("async teardown ran on the same loop: True")), 10);
    }

    [Fact]
    public async Task AnAsyncHandlerThatNeverWaitsRunsItsStepWithTheLoopRunningInAContextOfItsOwn()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        // No await in on_message: it runs without a Task of its own (the fast path), and must not notice.
        harness.Plugin("quick", """
            import asyncio, contextvars, pluginhost
            calls = contextvars.ContextVar("calls", default=0)
            kept = set()

            async def later(payload):
                await asyncio.sleep(0)
                pluginhost.publish("test.later", payload)

            def loop_now():
                return asyncio.get_running_loop()

            async def on_message(message):
                if message.payload == "boom":
                    raise ValueError("raised without waiting")
                kept.add(asyncio.create_task(later(message.payload)))   # needs the running loop
                calls.set(calls.get() + 1)
                return {"calls": calls.get(), "loop": loop_now() is asyncio.get_event_loop()}
            """);
        await harness.StartAsync();

        var first = TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"a\"", to: "quick"), TimeSpan.FromSeconds(30)));
        var second = TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"b\"", to: "quick"), TimeSpan.FromSeconds(30)));
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => harness.Broker.RequestAsync(JsonMessage("x", "\"boom\"", to: "quick"), TimeSpan.FromSeconds(30)));

        Assert.Equal("""{"calls":1,"loop":true}""", first);
        Assert.Equal("""{"calls":1,"loop":true}""", second);   // a context of its own per message, as a task has
        Assert.Contains("raised without waiting", failed.Message);
        Assert.Equal(1, harness.Broker.Snapshot().For("quick").Failed);
    }

    [Fact]
    public async Task ALoopLeftRunningAcrossABurstOfStepsIsNeverSeenByASyncHandlerOrACallFromPython()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        // The plugin publishes a burst to itself from one handler: it arrives as one batch, async steps (some raising)
        // and sync handlers interleaved. Between steps of a batch the loop stays set running; nothing else may see it.
        harness.Plugin("mixed", """
            import asyncio, threading, pluginhost
            seen = {"async": 0, "async_bad": 0, "sync": 0, "sync_bad": 0}

            @pluginhost.on("burst.async")
            async def quick(message):
                running = asyncio.get_running_loop() is pluginhost._loop and pluginhost._loop.is_running()
                seen["async" if running else "async_bad"] += 1
                if message.payload % 7 == 0:
                    raise ValueError("a step that raises")

            def loop_running():
                try:
                    asyncio.get_running_loop()
                    return True
                except RuntimeError:
                    return False

            async def seven():
                return 7

            @pluginhost.on("burst.sync")
            def plain(message):
                other = asyncio.new_event_loop()   # run_until_complete refuses while a loop runs on this thread
                try:
                    ok = not loop_running() and not pluginhost._loop.is_running() and other.run_until_complete(seven()) == 7
                finally:
                    other.close()
                seen["sync" if ok else "sync_bad"] += 1

            async def answer(message):
                return asyncio.get_running_loop() is pluginhost._loop

            def on_message(message):
                if message.payload == "go":
                    for n in range(300):
                        pluginhost.publish("burst.sync" if n % 3 == 0 else "burst.async", n)
                    return None
                step = pluginhost._sync_form(answer)   # called from Python: sets the loop running for its step only
                elsewhere = []                        # and on another thread of the plugin, for that thread only
                worker = threading.Thread(target=lambda: elsewhere.extend([step(message), loop_running()]))
                worker.start()
                worker.join()
                return {"seen": seen, "step": step(message), "after": loop_running(), "thread": elsewhere, "kind": type(step).__name__}
            """);
        await harness.StartAsync();

        await harness.Broker.RequestAsync(JsonMessage("x", "\"go\"", to: "mixed"), TimeSpan.FromSeconds(30));
        await Until(() => harness.Broker.Snapshot().For("mixed") is { Handled: var h, Failed: var f } && h + f >= 301, 30);
        var report = TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"report\"", to: "mixed"), TimeSpan.FromSeconds(30)));

        Assert.Equal("""{"seen":{"async":200,"async_bad":0,"sync":100,"sync_bad":0},"step":true,"after":false,"thread":[true,false],"kind":"_AsyncStep"}""", report);
        Assert.Equal(28, harness.Broker.Snapshot().For("mixed").Failed);   // multiples of 7 among the 200 async ones
    }

    [Fact]
    public async Task StrayTasksKeepRunningAndOneThatFailsIsLoggedWithItsTracebackWithoutStoppingTheLoop()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("stray", """
            import asyncio
            ticks = 0
            tasks = set()

            async def ticker():
                global ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.001)

            async def boom():
                await asyncio.sleep(0)
                raise ValueError("stray task failed")

            async def on_message(message):
                if message.payload == "start":
                    tasks.add(asyncio.create_task(ticker()))
                    asyncio.create_task(boom())   # never awaited, no reference kept
                await asyncio.sleep(0.02)
                return ticks
            """);
        await harness.StartAsync();

        var first = long.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"start\"", to: "stray"), TimeSpan.FromSeconds(30))));
        var second = long.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"again\"", to: "stray"), TimeSpan.FromSeconds(30))));

        Assert.True(first > 0);
        Assert.True(second > first);   // the ticker ran on while the loop ran the next handler
        await Until(() => harness.PluginMessages("stray").Any(m => m.Contains("stray task failed") && m.Contains("Traceback")), 10);
        Assert.Equal(PluginState.Running, harness.Status("stray").State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ATimedOutAsyncHandlerIsCancelledAtItsAwaitAndThePluginKeepsServing(bool inWorker)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromMilliseconds(300);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("waiter", """
            import asyncio, pluginhost

            async def on_message(message):
                if message.payload == "hang":
                    try:
                        await asyncio.Event().wait()      # nothing will ever set it: the loop sleeps in its selector
                    except asyncio.CancelledError:
                        pluginhost.publish("test.done", "cancelled")
                        raise
                return "ok " + message.payload
            """, inWorker ? Process : null);
        var done = new ConcurrentQueue<string>();
        var letters = new ConcurrentQueue<Message>();
        await harness.StartAsync();
        using var a = harness.Broker.Subscribe("test.done", (m, _) => { done.Enqueue(TextOf(m)); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe(harness.BrokerOptions.DeadLetterTopic, (m, _) => { letters.Enqueue(m); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("x", "\"hang\"", to: "waiter"));
        var after = await harness.Broker.RequestAsync(JsonMessage("x", "\"after\"", to: "waiter"), TimeSpan.FromSeconds(30));

        Assert.Equal("ok after", TextOf(after));
        // The .NET subscribers run on the thread pool from inboxes of their own: wait for them, not for the plugin.
        await Until(() => !done.IsEmpty && !letters.IsEmpty, 30);
        Assert.Equal(["cancelled"], done);
        var letter = Assert.Single(letters);
        Assert.Contains("HandlerTimeout", letter.Headers["error"]);
        Assert.Equal(PluginState.Running, harness.Status("waiter").State);
        Assert.Equal(0, harness.Status("waiter").Restarts);
    }

    [Fact]
    public async Task AnAsyncHandlerThatIgnoresCancellationIsStuckAndItsInstanceRestarts()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromMilliseconds(200);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("stubborn", """
            import asyncio
            async def on_message(message):
                if message.payload == "hang":
                    while True:
                        try:
                            await asyncio.sleep(0.05)
                        except asyncio.CancelledError:
                            pass                         # ignores the host's cancellation
                return "ok"
            """);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(JsonMessage("x", "\"hang\"", to: "stubborn"));
        await Until(() => harness.Status("stubborn") is { State: PluginState.Running, Restarts: 1 }, 30);

        Assert.Equal("ok", TextOf(await harness.Broker.RequestAsync(JsonMessage("x", "\"after\"", to: "stubborn"), TimeSpan.FromSeconds(30))));
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.HandlerTimedOut && r.Message.Contains("stubborn"));
    }

    [Fact]
    public async Task AnAsyncSetupThatNeverReturnsIsCancelledAtTheStartTimeoutAndTheInstanceFails()
    {
        var harness = new SupervisorHarness(fixture);
        // Long enough for the import of asyncio on a loaded machine: the timeout must find setup waiting.
        harness.Options.StartTimeout = TimeSpan.FromSeconds(3);
        harness.Plugin("slowstart", """
            import asyncio
            async def setup(ctx):
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    print("setup cancelled")
                    raise
            """);
        await harness.StartAsync();
        Assert.Equal(PluginState.Failed, harness.Status("slowstart").State);

        await harness.DisposeAsync();

        Assert.Equal(PluginState.Stopped, harness.Status("slowstart").State);
        Assert.Contains(harness.PluginMessages("slowstart"), m => m.Contains("setup cancelled"));
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.InterpreterLeftRunning);   // it ended
    }
    [Fact]
    public async Task AnAsyncTeardownPastItsBudgetIsCancelledAndLeftoverTasksAreCancelledBeforeTheLoopCloses()
    {
        var harness = new SupervisorHarness(fixture);
        // Half of it for the teardown (cancelled then), the other half to close the loop and end the interpreter: on a
        // loaded machine 0.5 s was once too little for that second half, and the instance was abandoned.
        harness.Options.StopTimeout = TimeSpan.FromSeconds(4);
        harness.Plugin("lingering", """
            import asyncio
            tasks = set()

            async def background():
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    print("background task cancelled")
                    raise

            async def setup(ctx):
                tasks.add(asyncio.create_task(background()))

            async def teardown():
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    print("teardown cancelled")
                    raise
            """);
        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("lingering").State);

        await harness.DisposeAsync();

        Assert.Equal(PluginState.Stopped, harness.Status("lingering").State);
        var said = harness.PluginMessages("lingering").ToList();
        Assert.Contains(said, m => m.Contains("teardown cancelled"));
        Assert.Contains(said, m => m.Contains("background task cancelled"));
        Assert.Equal(0, harness.Status("lingering").Abandoned);
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.InterpreterLeftRunning);
    }

    [Fact]
    public async Task AStopDuringABurstOfAsyncHandlersAccountsForEveryMessage()
    {
        const int sent = 150;
        var harness = new SupervisorHarness(fixture);
        harness.Options.StopTimeout = TimeSpan.FromSeconds(1);
        harness.Plugin("bursty", """
            import asyncio
            async def on_message(message):
                await asyncio.sleep(0.01)   # 150 of these take longer than the stop's budget
            """, """ "subscriptions": ["burst"] """);
        await harness.StartAsync();
        for (var i = 0; i < sent; i++)
            await harness.Broker.PublishAsync(JsonMessage("burst", i.ToString()));
        await Until(() => harness.Broker.Snapshot().For("bursty").Handled >= 10, 30);

        await harness.DisposeAsync();

        var totals = harness.Broker.Snapshot().For("bursty");
        Assert.Equal(sent, totals.Received);
        Assert.Equal(0, totals.InboxDepth);
        // Each message once: handled, failed (the one running when the stop's budget ran out is cancelled, and
        // dead-lettered: DeadLettered counts it again) or dropped at stop.
        Assert.True(totals.Handled + totals.Failed + totals.Dropped == sent, totals.ToString());
        Assert.True(totals.Failed <= 1, totals.ToString());
        Assert.True(totals.Handled >= 10);
        Assert.Equal(PluginState.Stopped, harness.Status("bursty").State);
    }
}
