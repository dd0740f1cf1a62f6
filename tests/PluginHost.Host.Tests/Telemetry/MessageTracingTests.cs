using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PluginHost.Host.Telemetry;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>Spans of real plugins talking, caught with the OpenTelemetry in-memory exporter.</summary>
[Collection(PythonCollection.Name)]
public sealed class MessageTracingTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ARequestChainThroughThreePluginsIsOneTraceOfParentsAndChildren()
    {
        var spans = new EndedSpans();
        using var provider = TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions())
            .AddInMemoryExporter(spans).Build();
        await using var harness = new SupervisorHarness(fixture);
        // tr-a asks tr-b, which publishes to tr-c before it replies; tr-c reports what it saw.
        harness.Plugin("tr-a", """
            import pluginhost
            @pluginhost.on("tr.start")
            def start(message):
                pluginhost.request("tr.work", "job", to="tr-b", timeout=20)
            """);
        harness.Plugin("tr-b", """
            import pluginhost
            def on_message(message):
                pluginhost.publish("tr.done", "done")
                return "ok"
            """);
        harness.Plugin("tr-c", """
            import logging, pluginhost
            @pluginhost.on("tr.done")
            def done(message):
                logging.getLogger("tr").warning("seen %s", message.headers.get("traceparent", "none"))
            """);
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("tr.start", "go"));
        // Spans end in no fixed order (the request's when its reply is in, which tr-a's handler also waits for).
        string[] names = ["process tr.start", "request tr.work", "process tr.work", "publish tr.done", "process tr.done"];
        await Until(() => Ended(spans) is var ended && names.All(n => ended.Any(s => s.DisplayName == n)), 30);

        var all = Ended(spans);
        var rootHandler = Assert.Single(all, s => s.DisplayName == "process tr.start");
        Assert.Equal(ActivityKind.Consumer, rootHandler.Kind);
        Assert.Equal(default, rootHandler.ParentSpanId);   // the test's publish had no trace: the chain starts here
        var request = Child(all, rootHandler, "request tr.work", ActivityKind.Client);
        var bHandler = Child(all, request, "process tr.work", ActivityKind.Consumer);
        Assert.Equal("tr-b", bHandler.GetTagItem("pluginhost.plugin"));
        var publish = Child(all, bHandler, "publish tr.done", ActivityKind.Producer);
        var cHandler = Child(all, publish, "process tr.done", ActivityKind.Consumer);
        Assert.Equal("tr-c", cHandler.GetTagItem("pluginhost.plugin"));
        Assert.Equal("tr.done", cHandler.GetTagItem("messaging.destination.name"));
        Assert.All(new[] { request, bHandler, publish, cHandler }, s => Assert.Equal(rootHandler.TraceId, s.TraceId));
        Assert.All(new[] { rootHandler, request, bHandler, publish, cHandler }, s => Assert.Equal(ActivityStatusCode.Unset, s.Status));
        // What tr-c's Python code saw: the W3C header of the publish that reached it.
        var seen = Assert.Single(harness.PluginMessages("tr-c"), m => m.StartsWith("[tr] seen"));
        Assert.Equal($"[tr] seen 00-{publish.TraceId}-{publish.SpanId}-", seen[..^2]);
        Assert.True((Convert.ToByte(seen[^2..], 16) & 1) == 1, seen);   // sampled (.NET also sets W3C's random-id bit, 02)
    }

    [Fact]
    public async Task AHandlerThatRaisesEndsItsSpanAsAnError()
    {
        var spans = new EndedSpans();
        using var provider = TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions())
            .AddInMemoryExporter(spans).Build();
        await using var harness = new SupervisorHarness(fixture);
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin("tr-bad", "import pluginhost\n@pluginhost.on('tr.bad')\ndef bad(message):\n    raise ValueError('broken on purpose')\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(RestartTests.Text("tr.bad", "x"));
        await Until(() => Ended(spans).Any(s => s.DisplayName == "process tr.bad"), 30);

        var span = Assert.Single(Ended(spans), s => s.DisplayName == "process tr.bad");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains("broken on purpose", span.StatusDescription);
    }

    [Fact]
    public async Task AtSampleRatioZeroNoSpanIsMadeAndNoHeaderTravels()
    {
        var spans = new EndedSpans();
        using var provider = TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions { TraceSampleRatio = 0 })
            .AddInMemoryExporter(spans).Build();
        try
        {
            await using var harness = new SupervisorHarness(fixture);
            harness.Plugin("tr-zero-a", "import pluginhost\n@pluginhost.on('tr.zero')\ndef go(message):\n    pluginhost.publish('tr.zero.next', 'x')\n");
            harness.Plugin("tr-zero-b", "import logging, pluginhost\n@pluginhost.on('tr.zero.next')\ndef seen(message):\n    logging.getLogger('tr').warning('headers %s', dict(message.headers))\n");
            await harness.StartAsync();

            await harness.Broker.PublishAsync(RestartTests.Text("tr.zero", "go"));
            await Until(() => harness.PluginMessages("tr-zero-b").Any(), 30);

            Assert.Equal("[tr] headers {}", harness.PluginMessages("tr-zero-b").Single());
            Assert.DoesNotContain(spans.Snapshot(), s => s.DisplayName.Contains("tr.zero"));
        }
        finally
        {
            MessageTracing.RootSampleRatio = 1.0;   // process-wide: the other tests' providers expect every trace
        }
    }

    [Fact]
    public void WithoutAListenerNothingIsTracedAndNoHeaderIsAdded()
    {
        var message = RestartTests.Text("tr.none", "x");
        var sent = message;

        Assert.Null(MessageTracing.StartSend(ref sent, default, "p", 0, request: false));
        Assert.Same(message, sent);
        Assert.Null(MessageTracing.StartHandler(message, "p", 0));
    }

    private static List<Activity> Ended(EndedSpans spans) => spans.Snapshot();

    /// <summary>The host's tracing as configured by default, exporting every ended span into <paramref name="spans"/>.</summary>
    internal static TracerProvider ExportTo(EndedSpans spans) =>
        TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), new TelemetryOptions()).AddInMemoryExporter(spans).Build();

    // The exporter adds each span on the thread that ended it.
    internal sealed class EndedSpans : System.Collections.ObjectModel.Collection<Activity>
    {
        public List<Activity> Snapshot()
        {
            lock (Items)
                return [.. Items];
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (Items)
                base.InsertItem(index, item);
        }
    }

    private static Activity Child(List<Activity> all, Activity parent, string name, ActivityKind kind)
    {
        var child = Assert.Single(all, s => s.DisplayName == name && s.ParentSpanId == parent.SpanId);
        Assert.Equal(kind, child.Kind);
        return child;
    }
}
