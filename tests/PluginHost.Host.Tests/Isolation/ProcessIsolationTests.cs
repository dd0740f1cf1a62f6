using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>A plugin with <c>"isolation": "process"</c> runs in a worker process (real CPython there too) behind the same API.</summary>
[Collection(PythonCollection.Name)]
public sealed class ProcessIsolationTests(PythonRuntimeFixture fixture)
{
    private const string Worker = """
        import os, pluginhost
        @pluginhost.on("ping")
        def ping(message):
            pluginhost.publish("pong", {"n": message.payload["n"], "pid": os.getpid()})
        def on_message(message):
            return {"pid": os.getpid(), "echo": message.payload}
        """;

    [Fact]
    public async Task AProcessPluginExchangesMessagesAndRequestsWithASubinterpreterPlugin()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("worker", Worker, """ "isolation": "process" """);
        harness.Plugin("neighbour", """
            import os, pluginhost
            def on_message(message):
                for n in range(3):
                    pluginhost.publish("ping", {"n": n})
                reply = pluginhost.request("ask", {"hello": 1}, to="worker")
                pluginhost.publish("test.neighbour", {"pid": os.getpid(), "reply": reply.payload})
            """);
        await harness.StartAsync();
        var pongs = new ConcurrentQueue<Message>();
        var done = new TaskCompletionSource<Message>();
        using var a = harness.Broker.Subscribe("pong", (m, _) => { pongs.Enqueue(m); return ValueTask.FromResult<Message?>(null); });
        using var b = harness.Broker.Subscribe("test.neighbour", (m, _) => { done.TrySetResult(m); return ValueTask.FromResult<Message?>(null); });

        await harness.Broker.PublishAsync(JsonMessage("go", "null", to: "neighbour"));

        using var result = JsonDocument.Parse(TextOf(await done.Task.WaitAsync(TimeSpan.FromSeconds(30))));
        await Until(() => pongs.Count == 3, 30);
        var workerPid = result.RootElement.GetProperty("reply").GetProperty("pid").GetInt32();
        Assert.Equal(Environment.ProcessId, result.RootElement.GetProperty("pid").GetInt32());   // the neighbour: in this process
        Assert.NotEqual(Environment.ProcessId, workerPid);                                       // the worker: not
        Assert.Equal("""{"hello":1}""", result.RootElement.GetProperty("reply").GetProperty("echo").GetRawText());
        var seen = pongs.Select(p => JsonDocument.Parse(TextOf(p)).RootElement).ToList();
        Assert.Equal([0, 1, 2], seen.Select(p => p.GetProperty("n").GetInt32()).Order());
        Assert.All(seen, p => Assert.Equal(workerPid, p.GetProperty("pid").GetInt32()));
        Assert.All(pongs, p => Assert.Equal("worker", p.Sender));
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains($"runs in worker process {workerPid}"));
    }

    [Theory]
    [InlineData("os.abort()", 134, "process.exit")]                       // SIGABRT
    [InlineData("__import__('ctypes').string_at(0)", 139, "native-code")]   // SIGSEGV: a native crash
    public async Task AWorkerThatCrashesIsRestartedAndMessagesWaitingInTheInboxAreHandledByTheNewOne(string crash, int exitCode, string capability)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("crasher", $$"""
            import os, pluginhost
            def on_message(message):
                if message.payload == "crash":
                    {{crash}}   # ends the worker process
                return os.getpid()
            """, $$""" "isolation": "process", "capabilities": ["{{capability}}"] """);
        harness.Plugin("neighbour", "def on_message(message):\n    return 'still here'\n");
        await harness.StartAsync();
        var before = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "crasher"), TimeSpan.FromSeconds(30))));

        await harness.Broker.PublishAsync(JsonMessage("crash", "\"crash\"", to: "crasher"));
        // Sent while the worker dies or restarts: it waits in the host's inbox and is answered by the new worker.
        var after = harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "crasher"), TimeSpan.FromSeconds(30));
        Assert.Equal("still here", TextOf(await harness.Broker.RequestAsync(JsonMessage("hi", "null", to: "neighbour"), TimeSpan.FromSeconds(10))));

        var restarted = int.Parse(TextOf(await after));
        Assert.NotEqual(before, restarted);
        Assert.NotEqual(Environment.ProcessId, restarted);
        Assert.Equal(1, harness.Status("crasher").Restarts);
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains($"Worker process {before} (plugin:crasher/0) exited with code {exitCode}"));
    }

    [Fact]
    public async Task HostFunctionsTheirGrantsLoggingAndPrintCrossFromTheWorker()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.HostFunctions.Add(new AddFunction());
        harness.Plugin("caller", """
            import logging, os, pluginhost
            def on_message(message):
                logging.getLogger("caller.work").warning("in worker %d", os.getpid())
                print("printed in", os.getpid())
                try:
                    return {"pid": os.getpid(), "sum": pluginhost.call(message.topic, message.payload)}
                except Exception as e:
                    return {"pid": os.getpid(), "error": type(e).__name__, "message": str(e)}
            """, """ "isolation": "process", "capabilities": ["host:test.add"] """);
        await harness.StartAsync();

        using var granted = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("test.add", "[1, 2, 39]", to: "caller"), TimeSpan.FromSeconds(30))));
        using var denied = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("test.secret", "null", to: "caller"), TimeSpan.FromSeconds(30))));

        var pid = granted.RootElement.GetProperty("pid").GetInt32();
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal(42, granted.RootElement.GetProperty("sum").GetInt32());
        Assert.Equal("PermissionError", denied.RootElement.GetProperty("error").GetString());
        Assert.Contains("may not call host function 'test.secret'", denied.RootElement.GetProperty("message").GetString());
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenied && r.Message.Contains("host function test.secret"));
        await Until(() => harness.PluginMessages("caller").Contains($"printed in {pid}"), 10);
        Assert.Contains(harness.Logs.Records, r => r.Category == "PluginHost.Plugins.caller" && r.Message.Contains($"in worker {pid}") && r.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task TheWorkersInterpreterIsGovernedByThePluginsCapabilitiesAndDenialsAreCountedInTheHost()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("confined", """
            import os
            def on_message(message):
                try:
                    os.system("true")
                    return "spawned"
                except PermissionError as e:
                    return f"{os.getpid()} {e}"
            """, """ "isolation": "process" """);
        await harness.StartAsync();

        var reply = TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "confined"), TimeSpan.FromSeconds(30)));

        var pid = int.Parse(reply.Split(' ')[0]);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains("process.spawn", reply);
        await Until(() => harness.Logs.Records.Any(r => r.EventId == LogEvents.PolicyDenied && r.Message.Contains("confined")), 10);
    }

    [Fact]
    public async Task ASinglePhaseInitModuleLoadsInTheWorkersMainInterpreter()
    {
        var harness = new SupervisorHarness(fixture);   // disposed in the test: what the stop does is asserted
        harness.Plugin("singlephase", """
            import _testsinglephase, os
            # refused in any isolated subinterpreter ("does not support loading in subinterpreters"): it loads in the
            # worker because the instance runs in the worker's main interpreter
            def on_message(message):
                return {"pid": os.getpid(), "sum": _testsinglephase.sum(2, 40), "inits": _testsinglephase.initialized_count()}
            """, """ "isolation": "process", "capabilities": ["native-code"] """);   // a test module: denied without it
        await harness.StartAsync();
        Assert.True(harness.Status("singlephase").State == PluginHost.Host.Lifecycle.PluginState.Running, harness.Status("singlephase").Error);

        using var reply = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "singlephase"), TimeSpan.FromSeconds(30))));

        Assert.NotEqual(Environment.ProcessId, reply.RootElement.GetProperty("pid").GetInt32());
        Assert.Equal(1, reply.RootElement.GetProperty("inits").GetInt32());   // its C static state, initialised once in this process
        Assert.Equal(42, reply.RootElement.GetProperty("sum").GetInt32());
        var pid = reply.RootElement.GetProperty("pid").GetInt32();
        await harness.DisposeAsync();   // stop: teardown, End; the worker ends the instance, finalises CPython and exits
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains($"Worker process {pid} (plugin:singlephase/0) exited with code 0"));
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.WorkerOutput);   // nothing on its stderr: no fatal error, no traceback
    }

    [Fact]
    public async Task ConfigurationOverridesTheManifestsIsolationAndAnUnknownValueStopsOnlyThatPlugin()
    {
        await using var harness = new SupervisorHarness(fixture);
        const string Pid = "import os\ndef on_message(message):\n    return os.getpid()\n";
        harness.Plugin("moved", Pid);                                           // manifest: the default, subinterpreter
        harness.Plugin("kept", Pid, """ "isolation": "process" """);
        harness.Plugin("unknown", Pid);
        harness.Options.Plugins["moved"] = new PluginOptions { Isolation = "process" };
        harness.Options.Plugins["kept"] = new PluginOptions { Isolation = "subinterpreter" };
        harness.Options.Plugins["unknown"] = new PluginOptions { Isolation = "container" };
        await harness.StartAsync();

        var moved = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "moved"), TimeSpan.FromSeconds(30))));
        var kept = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "kept"), TimeSpan.FromSeconds(30))));

        Assert.NotEqual(Environment.ProcessId, moved);
        Assert.Equal(Environment.ProcessId, kept);
        var unknown = harness.Status("unknown");
        Assert.Equal(PluginHost.Host.Lifecycle.PluginState.Failed, unknown.State);
        Assert.Contains("isolation \"container\" is none of subinterpreter, process, auto (PluginHost:Plugins:unknown:Isolation)", unknown.Error);
    }

    [Fact]
    public async Task AHandlerTimeoutInterruptsPythonInAWorkerAndAHandlerStuckInCGetsTheWorkerKilledAndRestarted()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.HandlerTimeout = TimeSpan.FromSeconds(1);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("stuck", """
            import os, re
            def on_message(message):
                if message.payload == "loop":
                    while True:   # Python: the interrupt reaches it
                        pass
                if message.payload == "regex":
                    re.match(r"(a+)+$", "a" * 64 + "b")   # in C, holding the GIL, for ever: only a kill ends it
                return os.getpid()
            """, """ "isolation": "process" """);
        await harness.StartAsync();
        var first = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "stuck"), TimeSpan.FromSeconds(30))));

        var loop = await Assert.ThrowsAsync<MessageDeliveryException>(() => harness.Broker.RequestAsync(JsonMessage("loop", "\"loop\"", to: "stuck"), TimeSpan.FromSeconds(30)));
        Assert.Contains("HandlerTimeout", loop.Message);
        Assert.Equal(first, int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "stuck"), TimeSpan.FromSeconds(30)))));

        await harness.Broker.PublishAsync(JsonMessage("regex", "\"regex\"", to: "stuck"));
        var second = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "stuck"), TimeSpan.FromSeconds(60))));

        Assert.NotEqual(first, second);
        await Until(() => harness.Logs.Records.Any(r => r.Message.Contains($"Worker process {first} (plugin:stuck/0) exited with code 137")), 20);   // SIGKILL
        Assert.Equal(1, harness.Status("stuck").Restarts);
    }

    [Fact]
    public async Task ContextSettingsAndAsyncRequestsWorkInEachOfTwoWorkerInstances()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("echo", "def on_message(message):\n    return message.payload\n");
        harness.Plugin("asker", """
            import asyncio, os, pluginhost
            def setup(ctx):
                global seen_in_setup
                seen_in_setup = (ctx.name, ctx.instance)
            def on_message(message):
                ctx = pluginhost.context()
                reply = asyncio.run(pluginhost.request_async("echo.it", {"from": ctx.instance}, to="echo"))
                return {"pid": os.getpid(), "setup": list(seen_in_setup), "instance": ctx.instance, "settings": ctx.settings, "echo": reply.payload}
            """, """ "isolation": "process", "instances": 2, "settings": {"greeting": "hi", "limits": {"n": 3, "ratio": 0.5, "on": true, "tags": ["a", null]}} """);
        await harness.StartAsync();

        var replies = new List<JsonElement>();
        foreach (var to in new[] { "asker/0", "asker/1" })
            replies.Add(JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: to), TimeSpan.FromSeconds(30)))).RootElement.Clone());

        Assert.NotEqual(replies[0].GetProperty("pid").GetInt32(), replies[1].GetProperty("pid").GetInt32());   // one process each
        for (var n = 0; n < 2; n++)
        {
            Assert.Equal($$"""["asker",{{n}}]""", replies[n].GetProperty("setup").GetRawText());
            Assert.Equal(n, replies[n].GetProperty("instance").GetInt32());
            Assert.Equal($$"""{"from":{{n}}}""", replies[n].GetProperty("echo").GetRawText());
            Assert.Equal("""{"greeting":"hi","limits":{"n":3,"ratio":0.5,"on":true,"tags":["a",null]}}""", replies[n].GetProperty("settings").GetRawText());
        }
    }

    [Fact]
    public async Task AWorkersMemoryFiguresCrossAndALargeBytearrayOverTheLimitRestartsItInAFreshWorker()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(100);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.Options.Plugins["hoarder"] = new PluginOptions { MemoryLimitMiB = 64 };
        harness.Plugin("hoarder", "import os\nkeep = []\ndef on_message(message):\n    if message.payload:\n        keep.append(bytearray(message.payload << 20))\n    return os.getpid()\n",
            """ "isolation": "process" """);
        await harness.StartAsync();
        var first = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "0", to: "hoarder"), TimeSpan.FromSeconds(30))));
        await Until(() => harness.Status("hoarder") is { LargeBytes: not null, AllocatedBytes: > 0 }, 20);
        Assert.InRange(harness.Status("hoarder").MemoryBytes!.Value, 1, 16 << 20);

        await harness.Broker.PublishAsync(JsonMessage("hoard", "256", to: "hoarder"));

        await Until(() => harness.Logs.Records.Any(r => r.EventId == LogEvents.PluginRestarting), 30);   // the count goes up before the line is written
        Assert.Equal(1, harness.Status("hoarder").Restarts);
        // Whichever read sees it first: the worker's resident memory (read by the host's timer) or its large blocks
        // (which the worker reports when asked); SinglePhaseFixtureTests has memory that only the first can see.
        var reason = harness.Logs.Records.First(r => r.EventId == LogEvents.PluginRestarting).Message;
        Assert.Contains("over the limit of 64 MiB (PluginHost:Plugins:hoarder:MemoryLimitMiB)", reason);
        Assert.True(reason.Contains("MiB in large blocks") || reason.Contains("of resident memory"), reason);
        var second = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "0", to: "hoarder"), TimeSpan.FromSeconds(30))));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task WithIsolationAutoAPluginWhoseModuleRefusesSubinterpretersMovesToAWorkerAndAnOrdinaryOneStays()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(100) };
        harness.Plugin("needs-worker", "import _testsinglephase, os\ndef on_message(message):\n    return os.getpid()\n",
            """ "isolation": "auto", "capabilities": ["native-code"] """);
        harness.Plugin("ordinary", "import os\ndef on_message(message):\n    return os.getpid()\n", """ "isolation": "auto" """);
        await harness.StartAsync();

        var moved = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "needs-worker"), TimeSpan.FromSeconds(30))));
        var stayed = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "ordinary"), TimeSpan.FromSeconds(30))));

        Assert.NotEqual(Environment.ProcessId, moved);
        Assert.Equal(Environment.ProcessId, stayed);
        var fallback = Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.WorkerFallback);
        Assert.Contains("Plugin needs-worker instance 0 (isolation auto) runs in a worker process from now on: module _testsinglephase does not support loading in subinterpreters", fallback.Message);
        Assert.Equal(1, harness.Status("needs-worker").Restarts);
    }

    private sealed class AddFunction : IHostFunctions
    {
        [HostFunction("test.add")]
        public int Add(int[] numbers) => numbers.Sum();

        [HostFunction("test.secret")]
        public string Secret() => "not for you";
    }
}
