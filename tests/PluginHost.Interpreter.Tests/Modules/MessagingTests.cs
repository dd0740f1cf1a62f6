using System.Text;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Modules;

[Collection(PythonCollection.Name)]
public sealed class MessagingTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task PayloadsAreEncodedByKind()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("""
            import pluginhost
            pluginhost.publish("t.bytes", b"\x00\x01raw")
            pluginhost.publish("t.text", "héllo")
            pluginhost.publish("t.json", {"n": 1, "xs": [1.5, None, True], "s": "é"})
            pluginhost.publish("t.buffer", memoryview(bytearray(b"abc"))[1:])
            pluginhost.publish("t.headers", 7, {"trace": "abc"}, to="other/1")
            """);

        var sent = binding.Published.ToDictionary(m => m.Topic);
        Assert.Equal(ContentTypes.Bytes, sent["t.bytes"].ContentType);
        Assert.Equal(new byte[] { 0, 1, (byte)'r', (byte)'a', (byte)'w' }, sent["t.bytes"].Payload.ToArray());
        Assert.Equal((ContentTypes.Text, "héllo"), (sent["t.text"].ContentType, TextOf(sent["t.text"])));
        Assert.Equal((ContentTypes.Json, """{"n":1,"xs":[1.5,null,true],"s":"é"}"""), (sent["t.json"].ContentType, TextOf(sent["t.json"])));
        Assert.Equal("bc", TextOf(sent["t.buffer"]));
        Assert.Equal("abc", sent["t.headers"].Headers["trace"]);
        Assert.Equal("other/1", sent["t.headers"].To);
        Assert.All(sent.Values, m => Assert.Equal("sender", m.Sender));
    }

    [Fact]
    public async Task UnsupportedPayloadIsATypeErrorAtTheSender()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.publish('t', object())"));

        Assert.Equal("TypeError", error.PythonType);
        Assert.Contains("'object'", error.PythonMessage);
        Assert.Empty(binding.Published);
    }

    [Fact]
    public async Task HandlersReceiveMessagesDecodedByContentType()
    {
        var binding = new RecordingBinding("receiver", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import pluginhost
            seen = []
            @pluginhost.on("orders.*")
            def handle(message):
                seen.append((message.topic, message.payload, message.content_type, message.sender, message.headers, bytes(memoryview(message))))
            """);
        var json = new Message { Topic = "orders.created", Payload = Encoding.UTF8.GetBytes("""{"id":7}"""), ContentType = ContentTypes.Json, Sender = "shop", Headers = new Dictionary<string, string> { ["k"] = "v" } };
        var text = new Message { Topic = "orders.note", Payload = Encoding.UTF8.GetBytes("fragile ✓"), ContentType = ContentTypes.Text, Sender = "shop" };
        var id = binding.Subscriptions["orders.*"];

        await DeliverAsync(interpreter, id, json, text);

        var seen = (object?[])(await interpreter.EvaluateAsync("seen"))!;
        Assert.Equal(new object?[] { "orders.created", new Dictionary<string, object?> { ["id"] = 7L }, ContentTypes.Json, "shop", new Dictionary<string, object?> { ["k"] = "v" }, json.Payload.ToArray() }, seen[0]);
        Assert.Equal("fragile ✓", ((object?[])seen[1]!)[1]);
    }

    [Fact]
    public async Task HandlerReturnValueIsTheReplyToARequest()
    {
        var binding = new RecordingBinding("calc", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("import pluginhost\npluginhost._set_direct_handler(lambda m: {'sum': sum(m.payload)})");
        var request = new Message { Topic = "add", Id = "r1", Payload = "[1,2,3]"u8.ToArray(), ContentType = ContentTypes.Json, To = "calc" };

        var reply = await interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return dispatcher.Deliver(request, [SdkModule.DirectHandlerId], isRequest: true).Reply;
        });

        Assert.NotNull(reply);
        Assert.Equal("""{"sum":6}""", TextOf(reply));
        Assert.Equal("r1", reply.CorrelationId);
    }

    [Fact]
    public async Task HandlerExceptionReachesTheHostWithItsTraceback()
    {
        var binding = new RecordingBinding("fragile", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("import pluginhost\ndef boom(m):\n    raise KeyError(m.topic)\npluginhost.subscribe('x', boom)");
        var id = binding.Subscriptions["x"];

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return dispatcher.Deliver(new Message { Topic = "x" }, [id], isRequest: false);
        }));

        Assert.Equal("KeyError", error.PythonType);
        Assert.Contains("in boom", error.PythonTraceback);
    }

    [Fact]
    public async Task RequestWaitsWithoutHoldingTheGil()
    {
        var binding = new RecordingBinding("asker", 0);
        var reply = new TaskCompletionSource<Message>();
        binding.Replies = (m, _) => reply.Task;
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import threading, time, pluginhost
            ticks = 0
            stop = threading.Event()
            def tick():
                global ticks
                while not stop.is_set():
                    ticks += 1
                    time.sleep(0.001)
            ticker = threading.Thread(target=tick)
            ticker.start()
            """);

        var asked = interpreter.EvaluateAsync("(lambda before: (pluginhost.request('q', 'ping').payload, ticks - before))(ticks)");
        await Task.Delay(300);
        reply.SetResult(new Message { Topic = "q", Payload = "pong"u8.ToArray(), ContentType = ContentTypes.Text });
        var result = (object?[])(await asked)!;
        await interpreter.RunAsync("stop.set(); ticker.join()");

        Assert.Equal("pong", result[0]);
        Assert.True((long)result[1]! > 10, $"the plugin's own thread advanced only {result[1]} ticks while the request waited");
    }

    [Fact]
    public async Task RequestTimeoutIsATimeoutErrorInPython()
    {
        var binding = new RecordingBinding("asker", 0) { Replies = (_, t) => Task.FromException<Message>(new TimeoutException($"no reply within {t}")) };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.request('q', 1, timeout=0.25)"));

        Assert.Equal("TimeoutError", error.PythonType);
        Assert.Contains("00:00:00.25", error.PythonMessage);
    }

    [Fact]
    public async Task RequestAsyncWorksFromAnEventLoopOnTheInterpretersOwnThread()
    {
        var binding = new RecordingBinding("asker", 0) { Replies = async (m, _) => { await Task.Delay(100); return m with { Payload = "late"u8.ToArray(), ContentType = ContentTypes.Text }; } };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var result = await interpreter.EvaluateAsync("""
            __import__("asyncio").run((lambda pluginhost: pluginhost.request_async("q", "x"))(__import__("pluginhost"))).payload
            """);

        Assert.Equal("late", result);
    }

    [Fact]
    public async Task FullReceiversMakeThePublisherWaitWithoutTheGil()
    {
        var binding = new RecordingBinding("sender", 0);
        var room = new TaskCompletionSource();
        binding.OnPublish = _ => room.Task;
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var publishing = interpreter.RunAsync("import pluginhost; pluginhost.publish('t', b'x')");
        await Task.Delay(200);
        Assert.False(publishing.IsCompleted);
        room.SetResult();
        await publishing;
    }

    [Fact]
    public async Task UnsubscribeRemovesTheHandler()
    {
        var binding = new RecordingBinding("s", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var removed = await interpreter.EvaluateAsync("(lambda p: p.unsubscribe(p.subscribe('a.>', print)))(__import__('pluginhost'))");

        Assert.Equal(true, removed);
        Assert.Empty(binding.Subscriptions);
    }

    [Fact]
    public async Task AMessageAHandlerKeepsStaysItsOwnWhileDroppedOnesAreReused()
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import gc
            import pluginhost
            kept, dropped_ids, parked_visible = [], [], []
            @pluginhost.on("n.*")
            def handle(message):
                if message.payload % 5 == 0:
                    kept.append(message)
                else:
                    dropped_ids.append(id(message))
            def parked():
                return [o for o in gc.get_objects() if type(o) is pluginhost.Message]
            """);
        var id = binding.Subscriptions["n.*"];

        await DeliverAsync(interpreter, id, [.. Enumerable.Range(0, 10).Select(i =>
            new Message { Topic = $"n.{i}", Payload = Encoding.UTF8.GetBytes($"{i}"), ContentType = ContentTypes.Json })]);

        Assert.Equal(new object?[] { "n.0", 0L, "n.5", 5L },
            (object?[])(await interpreter.EvaluateAsync("[x for m in kept for x in (m.topic, m.payload)]"))!);
        // Messages 1-4 were one object, unbound between deliveries; 5 took it and kept it, so 6-9 were another. The
        // parked one is out of the GC's sight: only the two kept are found.
        Assert.Equal(2L, await interpreter.EvaluateAsync("len(set(dropped_ids))"));
        Assert.Equal(2L, await interpreter.EvaluateAsync("len(parked())"));
        Assert.Contains("topic=n.5", (string)(await interpreter.EvaluateAsync("repr(kept[-1])"))!);
    }

    [Fact]
    public async Task AHandlerThatUnsubscribesItselfIsNotCalledAgainInTheSameBatch()
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import pluginhost
            calls = []
            def once(message):
                calls.append(message.topic)
                pluginhost.unsubscribe(handle_id)
            handle_id = pluginhost.subscribe("once", once)
            """);
        var id = binding.Subscriptions["once"];

        var second = await interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            dispatcher.Deliver(new Message { Topic = "once" }, [id], isRequest: false);
            try
            {
                dispatcher.Deliver(new Message { Topic = "once" }, [id], isRequest: false);
                return null;
            }
            catch (InvalidOperationException e)
            {
                return e;
            }
        });

        Assert.IsType<InvalidOperationException>(second);
        Assert.Equal(new object?[] { "once" }, (object?[])(await interpreter.EvaluateAsync("calls"))!);
    }

    [Fact]
    public async Task SmallPayloadsArriveDecodedAndPooledOnesOnFirstRead()
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import pluginhost
            seen = []
            @pluginhost.on("p.*")
            def handle(message):
                seen.append((type(message) is pluginhost.Message, isinstance(message, pluginhost.Message),
                             type(message).__name__, len(memoryview(message)), len(message.payload), message.topic))
            """);
        var pool = new PayloadPool();
        var pooled = pool.Rent(PayloadPool.MinimumSize);
        pooled.Buffer.Fill((byte)'x');
        var large = new Message { Topic = "p.large", Payload = pooled.Memory };
        var small = new Message { Topic = "p.small", Payload = new byte[] { 1, 2, 3 } };
        var id = binding.Subscriptions["p.*"];

        await DeliverAsync(interpreter, id, small, large);

        var seen = (object?[])(await interpreter.EvaluateAsync("seen"))!;
        Assert.Equal(new object?[] { true, true, "Message", 3L, 3L, "p.small" }, seen[0]);
        // The pooled one is the subclass that decodes on first read (memoryview(message) alone copies nothing).
        Assert.Equal(new object?[] { false, true, "Message", (long)PayloadPool.MinimumSize, (long)PayloadPool.MinimumSize, "p.large" }, seen[1]);
    }

    [Fact]
    public async Task JsonThatDoesNotDecodeIsAnOutcomeNamingTheSenderAndNoHandlerRuns()
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import pluginhost
            calls = []
            pluginhost.subscribe("j", lambda message: calls.append(message.topic))
            """);
        var id = binding.Subscriptions["j"];

        var outcome = await interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return dispatcher.Deliver(new Message { Topic = "j", Payload = Encoding.UTF8.GetBytes("{not json"), ContentType = ContentTypes.Json, Sender = "garbler" }, [id], isRequest: false);
        });

        Assert.Null(outcome.Reply);
        Assert.StartsWith("the payload from 'garbler' does not decode as application/json: json.decoder.JSONDecodeError: Expecting property name", outcome.Reason);
        Assert.Equal(0L, await interpreter.EvaluateAsync("len(calls)"));
    }

    /// <summary>Hands <paramref name="messages"/> in order to handler <paramref name="handlerId"/>, as an inbox's drain does.</summary>
    internal static Task DeliverAsync(SubInterpreter interpreter, int handlerId, params Message[] messages) =>
        interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            foreach (var message in messages)
                dispatcher.Deliver(message, [handlerId], isRequest: false);
            return 0;
        });
}
