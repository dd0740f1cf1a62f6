using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PluginHost.Host.Configuration;
using PluginHost.Host.Telemetry;
using PluginHost.Host.Tests.Lifecycle;
using EndedSpans = PluginHost.Host.Tests.Telemetry.MessageTracingTests.EndedSpans;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>
/// Traces through a plugin in a worker process (<c>"isolation": "process"</c>): the host tells the worker its handler
/// span with each message, and makes the worker's <c>pluginhost.span</c>s; exported with the in-memory exporter.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class WorkerSpanTests(PythonRuntimeFixture fixture)
{
    private const string Process = """ "isolation": "process" """;

    private static readonly string Worker = PluginSpanTests.Spanning("def on_message(message):", "ws.done");

    [Fact]
    public async Task AChainThroughAWorkerIsOneTraceAndTheWorkersSpansAreItsChildren()
    {
        var spans = new EndedSpans();
        using var provider = MessageTracingTests.ExportTo(spans);
        await using var harness = new SupervisorHarness(fixture);
        // ws-a asks ws-b (a worker), which publishes to ws-c inside a span of its own before it replies.
        harness.Plugin("ws-a", """
            import pluginhost
            @pluginhost.on("ws.start")
            def start(message):
                pluginhost.request("ws.work", "job", to="ws-b", timeout=30)
            """);
        harness.Plugin("ws-b", Worker, Process);
        harness.Plugin("ws-c", """
            import logging, pluginhost
            @pluginhost.on("ws.done")
            def done(message):
                logging.getLogger("ids").warning("received %s %s", message.trace_id, message.span_id)
            """);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("ws.start", "go"));
        string[] names = ["process ws.start", "request ws.work", "process ws.work", "parse orders", "fails", "publish ws.done", "process ws.done"];
        await Until(() => spans.Snapshot() is var ended && names.All(n => ended.Any(s => s.DisplayName == n)), 60);

        var all = spans.Snapshot();
        var root = Assert.Single(all, s => s.DisplayName == "process ws.start");
        var request = Child(all, root, "request ws.work", ActivityKind.Client);
        var handler = Child(all, request, "process ws.work", ActivityKind.Consumer);
        Assert.Equal("ws-b", handler.GetTagItem("pluginhost.plugin"));
        var parse = Child(all, handler, "parse orders", ActivityKind.Internal);
        // The worker's times, within its handler's run.
        Assert.InRange(parse.StartTimeUtc, handler.StartTimeUtc, handler.StartTimeUtc + handler.Duration);
        Assert.True(parse.StartTimeUtc + parse.Duration <= handler.StartTimeUtc + handler.Duration);
        var publish = Child(all, parse, "publish ws.done", ActivityKind.Producer);   // sent inside the span: its child
        var received = Child(all, publish, "process ws.done", ActivityKind.Consumer);
        Assert.All(all.Where(s => names.Contains(s.DisplayName)), s => Assert.Equal(root.TraceId, s.TraceId));
        // Its attributes, the failing span, and what the worker's Python saw, as in-process.
        PluginSpanTests.CheckSpansAndIds(all, handler, "ws-b", harness.PluginMessages("ws-b").ToList());
        await Until(() => harness.PluginMessages("ws-c").Any(), 30);
        Assert.Equal($"[ids] received {root.TraceId} {received.SpanId}", Assert.Single(harness.PluginMessages("ws-c")));
    }

    [Fact]
    public async Task MessagesInAWorkersWindowEachSeeTheirOwnHandlerSpan()
    {
        var spans = new EndedSpans();
        using var provider = MessageTracingTests.ExportTo(spans);
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("ws-many", "import logging, time\ndef on_message(message):\n    time.sleep(0.02)\n"
            + "    logging.getLogger('ids').warning('%s %s %s', message.payload, message.trace_id, message.span_id)\n", Process);
        await harness.StartAsync();

        // Published at once: several are in the worker's window while the first runs, their spans made as they are sent.
        for (var i = 0; i < 8; i++)
            await harness.Broker.PublishAsync(RestartTests.Text("ws.many", $"m{i}") with { To = "ws-many" });
        await Until(() => spans.Snapshot().Count(s => s.DisplayName == "process ws.many") == 8, 60);

        var handlers = spans.Snapshot().Where(s => s.DisplayName == "process ws.many").ToList();
        var seen = harness.PluginMessages("ws-many").ToList();
        Assert.Equal(8, seen.Count);
        Assert.All(handlers, h => Assert.Single(seen, m => m.EndsWith($" {h.TraceId} {h.SpanId}")));
        // Each timed from its own run: one after another, not from when it was sent.
        var ordered = handlers.OrderBy(h => h.StartTimeUtc).ToList();
        for (var i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i].StartTimeUtc >= ordered[i - 1].StartTimeUtc + ordered[i - 1].Duration - TimeSpan.FromMilliseconds(5), $"span {i} started before {i - 1} ended");
    }

    [Fact]
    public async Task AWorkerLostInsideItsSpanLeavesNoSpanAndItsHandlerSpanFails()
    {
        var spans = new EndedSpans();
        using var provider = MessageTracingTests.ExportTo(spans);
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxRestarts = 3 };
        harness.Plugin("ws-lost", """
            import os, pluginhost
            def on_message(message):
                with pluginhost.span("doomed"):
                    if message.payload == "die":
                        os.abort()
            """, Process + """, "capabilities": ["process.exit"] """);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("ws.lost", "die") with { To = "ws-lost" });
        await Until(() => spans.Snapshot().Any(s => s.DisplayName == "process ws.lost"), 60);
        // The restarted worker traces again: its span of the next message is exported.
        await harness.Broker.PublishAsync(RestartTests.Text("ws.lost", "live") with { To = "ws-lost" });
        // The handler span ends after the worker's span (when its outcome is in): wait for both.
        await Until(() => spans.Snapshot() is var ended && ended.Any(s => s.DisplayName == "doomed") && ended.Count(s => s.DisplayName == "process ws.lost") == 2, 60);

        var handlers = spans.Snapshot().Where(s => s.DisplayName == "process ws.lost").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(ActivityStatusCode.Error, handlers[0].Status);   // the run the worker died in
        Assert.Equal(ActivityStatusCode.Unset, handlers[1].Status);
        var doomed = Assert.Single(spans.Snapshot(), s => s.DisplayName == "doomed");   // only the second run's
        Assert.Equal(handlers[1].SpanId, doomed.ParentSpanId);
        Assert.NotEqual(handlers[0].SpanId, doomed.ParentSpanId);
    }

    [Theory]
    [InlineData(true)]    // listened to, the message's trace not sampled (and new ones at ratio 0): no handler span
    [InlineData(false)]   // nobody listens
    public async Task InAWorkerAnUnrecordedTraceMakesASpanANoOpAndTheIdsComeFromTheHeader(bool listening)
    {
        var spans = new EndedSpans();
        using var provider = listening
            ? TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions { TraceSampleRatio = 0 })
                .AddInMemoryExporter(spans).Build()
            : null;
        try
        {
            await Unrecorded(spans);
        }
        finally
        {
            MessageTracing.RootSampleRatio = 1.0;   // process-wide: the other tests' providers expect every trace
        }
    }

    private async Task Unrecorded(EndedSpans spans)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("ws-off", Worker, Process);
        harness.Plugin("ws-off-c", "import logging, pluginhost\n@pluginhost.on('ws.done')\ndef done(message):\n"
            + "    logging.getLogger('ids').warning('headers %s', dict(message.headers))\n");
        await harness.StartAsync();

        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736", spanId = "00f067aa0ba902b7";
        await harness.Broker.PublishAsync(RestartTests.Text("ws.go", "go") with
        {
            To = "ws-off",
            Headers = new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{spanId}-00" },   // not sampled
        });
        await Until(() => harness.PluginMessages("ws-off").Count() >= 5 && harness.PluginMessages("ws-off-c").Any(), 60);

        var seen = harness.PluginMessages("ws-off").ToList();
        Assert.Contains($"[ids] message {traceId} {spanId}", seen);
        Assert.Contains($"[ids] handler {traceId} {spanId}", seen);   // no handler span: the message's context
        Assert.Contains($"[ids] inside {traceId} {spanId}", seen);
        Assert.Contains("[ids] recording False", seen);
        Assert.Equal("[ids] headers {}", Assert.Single(harness.PluginMessages("ws-off-c")));   // no trace travels on
        Assert.Empty(spans.Snapshot());
    }

    [Fact]
    public async Task InATracedWorkerBadSpanArgumentsAreRefusedAsInProcess()
    {
        var spans = new EndedSpans();
        using var provider = MessageTracingTests.ExportTo(spans);
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("ws-bad", PluginSpanTests.BadSpans + """
            import logging, pluginhost
            log = logging.getLogger("ids")
            def on_message(message):
                try_bad_spans(log)
                with pluginhost.span("good", {"big": 2**62}) as s:
                    log.warning("recording %s", s.recording)
            def setup(ctx):
                log.warning("setup %s", pluginhost.current_trace())
                with pluginhost.span("in setup") as s:
                    log.warning("setup recording %s", s.recording)
            """, Process);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("ws.bad", "x") with { To = "ws-bad" });
        await Until(() => harness.PluginMessages("ws-bad").Any(m => m.StartsWith("[ids] recording")) && spans.Snapshot().Any(s => s.DisplayName == "good"), 60);

        var seen = harness.PluginMessages("ws-bad").ToList();
        Assert.Contains("[ids] setup None", seen);
        Assert.Contains("[ids] setup recording False", seen);   // outside a handler a worker has no trace to add to
        Assert.Contains("[ids] recording True", seen);
        Assert.DoesNotContain(seen, m => m.StartsWith("[ids] accepted"));
        Assert.Equal(PluginSpanTests.BadSpanRefusals, seen.Where(m => m.StartsWith("[ids] refused")).Select(m => m["[ids] refused ".Length..]));
        var good = Assert.Single(spans.Snapshot(), s => s.DisplayName == "good");
        Assert.Equal(1L << 62, good.GetTagItem("big"));
        Assert.DoesNotContain(spans.Snapshot(), s => s.DisplayName == "in setup");
    }

    private static Activity Child(List<Activity> all, Activity parent, string name, ActivityKind kind)
    {
        var child = Assert.Single(all, s => s.DisplayName == name && s.ParentSpanId == parent.SpanId);
        Assert.Equal(kind, child.Kind);
        Assert.Equal(parent.TraceId, child.TraceId);
        return child;
    }
}
