using System.Text.Json;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>A plugin's records in the real host's JSON console output: plugin, instance, Python logger and level as fields.</summary>
public sealed class PluginLogFieldsTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public PluginLogFieldsTests()
    {
        var folder = _folders.Plugin("greeter", PluginFolders.Manifest("greeter", extra: "\"instances\": 2"));
        File.WriteAllText(Path.Combine(folder, "main.py"), """
            import logging, sys
            logging.addLevelName(25, "NOTICE")
            def setup(ctx):
                logging.getLogger("greeter.db").log(25, 'hello from %d with "quotes"\nand a second line', ctx.instance)
                print(f"printed by {ctx.instance}", file=sys.stderr)
                logging.getLogger("greeter.db").debug("below the host's level")
            """);
    }

    [Fact]
    public async Task JsonConsoleLinesOfTwoInstancesCarryPluginInstanceLoggerAndLevel()
    {
        var records = await RunAsync();

        var logged = records.Where(r => r.GetProperty("EventId").GetInt32() == LogEvents.PythonRecord).ToList();
        Assert.Equal([0, 1], logged.Select(r => Scope(r).GetProperty("Instance").GetInt32()).Order());
        Assert.All(logged, r =>
        {
            var scope = Scope(r);
            Assert.Equal("greeter", scope.GetProperty("Plugin").GetString());
            Assert.Equal("greeter.db", scope.GetProperty("PythonLogger").GetString());
            Assert.Equal(25, scope.GetProperty("PythonLevel").GetInt32());
            Assert.Equal("logging", scope.GetProperty("Stream").GetString());
            Assert.Equal(JsonValueKind.Null, scope.GetProperty("TraceId").ValueKind);   // not traced: setup() is no handler
            Assert.Equal("Information", r.GetProperty("LogLevel").GetString());
            Assert.Equal("PluginHost.Plugins.greeter", r.GetProperty("Category").GetString());
            Assert.Contains("with \"quotes\"\nand a second line", r.GetProperty("State").GetProperty("Message").GetString());
        });
        Assert.DoesNotContain(logged, r => r.GetProperty("Message").GetString()!.Contains("below the host's level"));

        var printed = records.Where(r => r.GetProperty("EventId").GetInt32() == LogEvents.PythonOutput).ToList();
        Assert.Equal(["printed by 0", "printed by 1"], printed.Select(r => r.GetProperty("Message").GetString()).Order());
        Assert.All(printed, r =>
        {
            Assert.Equal("stderr", Scope(r).GetProperty("Stream").GetString());
            Assert.Equal(JsonValueKind.Null, Scope(r).GetProperty("PythonLogger").ValueKind);
            Assert.Equal("Error", r.GetProperty("LogLevel").GetString());
        });
    }

    [Fact]
    public async Task ScopesCanBeSwitchedOffByConfiguration()
    {
        var records = await RunAsync("--Logging:Console:FormatterOptions:IncludeScopes=false");

        var logged = records.Where(r => r.GetProperty("EventId").GetInt32() == LogEvents.PythonRecord).ToList();
        Assert.Equal(2, logged.Count);
        Assert.All(logged, r => Assert.False(r.TryGetProperty("Scopes", out _)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // in a worker process: the worker names the span a record was made in
    public async Task AHandlersRecordsCarryItsTraceAndSpanIdsWhenTraced(bool worker)
    {
        var folder = _folders.Plugin("traced", PluginFolders.Manifest("traced",
            extra: "\"dependsOn\": [\"starter\"]" + (worker ? ", \"isolation\": \"process\"" : "")));
        File.WriteAllText(Path.Combine(folder, "main.py"), """
            import logging, pluginhost
            @pluginhost.on("traced.go")
            def go(message):
                logging.getLogger("traced").warning("handling %s %s %s", message.headers.get("traceparent"), message.trace_id, message.span_id)
                with pluginhost.span("inner"):
                    logging.getLogger("traced").warning("inside %s %s", *pluginhost.current_trace())
            """);
        var starter = _folders.Plugin("starter", PluginFolders.Manifest("starter"));
        File.WriteAllText(Path.Combine(starter, "main.py"), """
            import pluginhost
            @pluginhost.on("traced.start")
            def start(message):
                pluginhost.publish("traced.go", "x")
            def setup(ctx):
                pass
            """);
        File.WriteAllText(Path.Combine(_folders.Plugin("kick", PluginFolders.Manifest("kick", extra: "\"dependsOn\": [\"traced\"]")), "main.py"),
            "import pluginhost\ndef setup(ctx):\n    pluginhost.publish('traced.start', 'go')\n");
        // Spans go to a collector that is not there: exports fail quietly, the host runs on.
        var records = await RunAsync(5, "inside ", "--PluginHost:Telemetry:Tracing=true", "--PluginHost:Telemetry:OtlpEndpoint=http://127.0.0.1:9");

        var handled = Assert.Single(records, r => r.GetProperty("Category").GetString() == "PluginHost.Plugins.traced" && Text(r).StartsWith("handling "));
        var scope = Scope(handled);
        var traceId = scope.GetProperty("TraceId").GetString()!;
        var spanId = scope.GetProperty("SpanId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Matches("^[0-9a-f]{16}$", spanId);
        // The header it received names the same trace (its parent, the starter's publish, has another span id).
        var header = handled.GetProperty("State").GetProperty("Message").GetString()!;
        Assert.StartsWith($"handling 00-{traceId}-", header);
        Assert.DoesNotContain(spanId, header.Split(' ')[1]);
        // Python's own view of the handler span is the one in the record's fields.
        Assert.EndsWith($" {traceId} {spanId}", header);
        // Inside pluginhost.span a record carries that span's id (the one current_trace() names), in the same trace.
        var inside = Assert.Single(records, r => r.GetProperty("Category").GetString() == "PluginHost.Plugins.traced" && Text(r).StartsWith("inside "));
        var innerSpan = Scope(inside).GetProperty("SpanId").GetString()!;
        Assert.NotEqual(spanId, innerSpan);
        Assert.Equal($"inside {traceId} {innerSpan}", Text(inside));
        Assert.Equal(traceId, Scope(inside).GetProperty("TraceId").GetString());
    }

    private static string Text(JsonElement record) => record.GetProperty("State").GetProperty("Message").GetString()!;

    // The one scope a plugin's record has (PluginLogScope): its fields as an object.
    private static JsonElement Scope(JsonElement record) => Assert.Single(record.GetProperty("Scopes").EnumerateArray());

    private Task<List<JsonElement>> RunAsync(params string[] extra) => RunAsync(2, null, extra);

    private async Task<List<JsonElement>> RunAsync(int instances, string? until, params string[] extra)
    {
        // The host reads only PLUGINHOST_* environment variables: the formatter is chosen on the command line.
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}", "--Logging:Console:FormatterName=json", .. extra]);
        await host.WaitForOutputAsync($"{instances} of {instances} plugin instances running", TimeSpan.FromMinutes(1));
        if (until is not null)
            await host.WaitForOutputAsync(until, TimeSpan.FromMinutes(1));
        var output = await host.StopAsync();
        // Every line is one JSON object (the formatter escapes the record's newline).
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    public void Dispose() => _folders.Dispose();
}
