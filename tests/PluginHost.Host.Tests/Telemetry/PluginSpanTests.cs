using System.Diagnostics;
using PluginHost.Host.Tests.Lifecycle;
using EndedSpans = PluginHost.Host.Tests.Telemetry.MessageTracingTests.EndedSpans;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>
/// The Python side of traces: <c>message.trace_id</c>/<c>span_id</c>, <c>pluginhost.current_trace()</c> and
/// <c>pluginhost.span</c>, in real plugins, with the OpenTelemetry in-memory exporter where something listens.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class PluginSpanTests(PythonRuntimeFixture fixture)
{
    // Logs what Python saw as "<what> <trace_id> <span_id>" lines of the logger "ids"; the handler (its def line, and
    // decorator) opens a span around a publish to next, and one that raises.
    internal static string Spanning(string handler, string next) => $$"""
        import logging, pluginhost
        log = logging.getLogger("ids")
        def ids(what, pair):
            log.warning("%s %s %s", what, *(pair or (None, None)))
        {{handler}}
            ids("message", (message.trace_id, message.span_id))
            ids("handler", pluginhost.current_trace())
            with pluginhost.span("parse orders", attributes={"rows": 3, "kind": "csv", "ok": True, "ratio": 0.5}) as span:
                ids("inside", pluginhost.current_trace())
                log.warning("recording %s", span.recording)
                pluginhost.publish("{{next}}", "x")
            ids("after", pluginhost.current_trace())
            try:
                with pluginhost.span("fails"):
                    raise ValueError("bad row 7")
            except ValueError:
                pass
            return "ok"
        """;

    // try_bad_spans(log): pluginhost.span with bad arguments, logging "refused <error>" (or "accepted ...") for each.
    internal const string BadSpans = """
        import pluginhost
        def try_bad_spans(log):
            for args in [(3,), ("n", []), ("n", {1: "x"}), ("n", {"k": None}), ("n", {"k": [1]}), ("n", {"k": 2**64})]:
                try:
                    pluginhost.span(*args)
                    log.warning("accepted %r", args)
                except (TypeError, ValueError) as e:
                    log.warning("refused %s", type(e).__name__)

        """;

    /// <summary>What <see cref="BadSpans"/> logs in a subinterpreter: the errors, in order.</summary>
    internal static readonly string[] BadSpanRefusals = ["TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "ValueError"];

    private static readonly string InProcess = Spanning("@pluginhost.on('sp.go')\ndef go(message):", "sp.next");

    [Fact]
    public async Task APluginSpanIsAChildOfItsHandlerAndTheParentOfWhatItSends()
    {
        var spans = new EndedSpans();
        using var provider = MessageTracingTests.ExportTo(spans);
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("sp-a", InProcess);
        harness.Plugin("sp-b", "import logging, pluginhost\n@pluginhost.on('sp.next')\ndef seen(message):\n"
            + "    logging.getLogger('ids').warning('received %s %s', message.trace_id, message.span_id)\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("sp.go", "go"));
        string[] names = ["process sp.go", "parse orders", "fails", "publish sp.next", "process sp.next"];
        await Until(() => spans.Snapshot() is var ended && names.All(n => ended.Any(s => s.DisplayName == n)), 30);

        var all = spans.Snapshot();
        var handler = Assert.Single(all, s => s.DisplayName == "process sp.go");
        var parse = Assert.Single(all, s => s.DisplayName == "parse orders");
        Assert.Equal(handler.SpanId, parse.ParentSpanId);
        var publish = Assert.Single(all, s => s.DisplayName == "publish sp.next");
        Assert.Equal(parse.SpanId, publish.ParentSpanId);   // sent inside the span: its child
        var received = Assert.Single(all, s => s.DisplayName == "process sp.next");
        Assert.Equal(publish.SpanId, received.ParentSpanId);
        Assert.Equal(handler.TraceId, received.TraceId);
        CheckSpansAndIds(all, handler, "sp-a", harness.PluginMessages("sp-a").ToList());
        await Until(() => harness.PluginMessages("sp-b").Any(), 30);
        Assert.Equal($"[ids] received {handler.TraceId} {received.SpanId}", Assert.Single(harness.PluginMessages("sp-b")));
    }

    [Fact]
    public async Task WithoutAListenerASpanIsANoOpAndTheIdsComeFromTheHeader()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("sp-off", InProcess);
        await harness.StartAsync();

        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736", spanId = "00f067aa0ba902b7";
        var traced = RestartTests.Text("sp.go", "go") with
        {
            Headers = new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{spanId}-01" },
        };
        await harness.Broker.PublishAsync(traced);
        await Until(() => harness.PluginMessages("sp-off").Count() >= 5, 30);

        var seen = harness.PluginMessages("sp-off").ToList();
        Assert.Contains($"[ids] message {traceId} {spanId}", seen);
        Assert.Contains($"[ids] handler {traceId} {spanId}", seen);   // no handler span: the message's context
        Assert.Contains($"[ids] inside {traceId} {spanId}", seen);
        Assert.Contains("[ids] recording False", seen);
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "None None")]          // cut short
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "None None")]       // not lowercase hex
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "None None")]   // all-zero trace id
    [InlineData("nonsense", "None None")]
    public async Task AMalformedTraceparentIsNoTraceAndSpanRejectsBadArguments(string header, string expected)
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("sp-bad", BadSpans + """
            import logging, pluginhost
            log = logging.getLogger("ids")
            @pluginhost.on("sp.bad")
            def bad(message):
                log.warning("ids %s %s", message.trace_id, message.span_id)
                try_bad_spans(log)
            def setup(ctx):
                log.warning("setup %s", pluginhost.current_trace())
            """);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("sp.bad", "x") with
        {
            Headers = new Dictionary<string, string> { ["traceparent"] = header },
        });
        await Until(() => harness.PluginMessages("sp-bad").Count() >= 8, 30);

        var seen = harness.PluginMessages("sp-bad").ToList();
        Assert.Contains("[ids] setup None", seen);
        Assert.Contains($"[ids] ids {expected}", seen);
        Assert.DoesNotContain(seen, m => m.StartsWith("[ids] accepted"));
        Assert.Equal(BadSpanRefusals, seen.Where(m => m.StartsWith("[ids] refused")).Select(m => m["[ids] refused ".Length..]));
    }

    /// <summary>
    /// What <see cref="Spanning"/> made under <paramref name="handler"/>: its "parse orders" span (attributes, kind,
    /// status), its "fails" span (Error, the exception event), and the ids Python logged equal to the exported ones.
    /// </summary>
    internal static void CheckSpansAndIds(List<Activity> all, Activity handler, string plugin, List<string> seen)
    {
        var parse = Assert.Single(all, s => s.DisplayName == "parse orders");
        Assert.Equal(handler.SpanId, parse.ParentSpanId);
        Assert.Equal(handler.TraceId, parse.TraceId);
        Assert.Equal(ActivityKind.Internal, parse.Kind);
        Assert.Equal(ActivityStatusCode.Unset, parse.Status);
        Assert.Equal(3L, parse.GetTagItem("rows"));
        Assert.Equal("csv", parse.GetTagItem("kind"));
        Assert.Equal(true, parse.GetTagItem("ok"));
        Assert.Equal(0.5, parse.GetTagItem("ratio"));
        Assert.Equal(plugin, parse.GetTagItem("pluginhost.plugin"));
        Assert.Equal(0, parse.GetTagItem("pluginhost.instance"));
        var fails = Assert.Single(all, s => s.DisplayName == "fails");
        Assert.Equal(handler.SpanId, fails.ParentSpanId);   // the first span had ended: the handler is the parent again
        Assert.Equal(ActivityStatusCode.Error, fails.Status);
        Assert.Equal("ValueError: bad row 7", fails.StatusDescription);
        var exception = Assert.Single(fails.Events, e => e.Name == "exception");
        Assert.Equal("ValueError", exception.Tags.Single(t => t.Key == "exception.type").Value);
        Assert.Equal("bad row 7", exception.Tags.Single(t => t.Key == "exception.message").Value);

        Assert.Contains($"[ids] message {handler.TraceId} {handler.SpanId}", seen);
        Assert.Contains($"[ids] handler {handler.TraceId} {handler.SpanId}", seen);
        Assert.Contains($"[ids] inside {handler.TraceId} {parse.SpanId}", seen);
        Assert.Contains($"[ids] after {handler.TraceId} {handler.SpanId}", seen);
        Assert.Contains("[ids] recording True", seen);
    }
}
