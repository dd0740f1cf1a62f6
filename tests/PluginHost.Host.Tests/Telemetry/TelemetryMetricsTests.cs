using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Telemetry;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Telemetry;

/// <summary>What the host's OpenTelemetry pipeline exports, caught with the in-memory exporter around real plugins.</summary>
[Collection(PythonCollection.Name)]
public sealed class TelemetryMetricsTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task HostMetersAndRuntimeMetricsAreExportedWithConventionalNamesAndUnits()
    {
        var exported = new List<MetricSnapshot>();
        using var provider = TelemetryRegistration.Configure(OpenTelemetry.Sdk.CreateMeterProviderBuilder(), new TelemetryOptions())
            .AddInMemoryExporter(exported).Build();
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("om-consumer", "import pluginhost\n@pluginhost.on('om.ticks')\ndef tick(message):\n    pass\n");
        await harness.StartAsync();

        for (var i = 0; i < 3; i++)
            await harness.Broker.PublishAsync(RestartTests.Text("om.ticks", $"tick {i}"));
        await Until(() => harness.Status("om-consumer") is { State: PluginState.Running, AllocatedBytes: not null }
                          && Mine(Flush(provider, exported), "pluginhost.messages.handled").Sum(p => p.GetSumLong()) == 3, 30);

        var metrics = Flush(provider, exported);
        var consumed = Assert.Single(metrics, m => m.Name == "messaging.client.consumed.messages");
        Assert.Equal("{message}", consumed.Unit);
        Assert.Equal(3, Mine(metrics, consumed.Name).Sum(p => p.GetSumLong()));
        Assert.DoesNotContain(metrics, m => m.Name == "pluginhost.messages.received");
        Assert.Equal("By", Assert.Single(metrics, m => m.Name == "pluginhost.plugin.memory").Unit);
        Assert.True(Mine(metrics, "pluginhost.plugin.memory").Single().GetGaugeLastValueLong() > 0);
        Assert.Equal((long)PluginState.Running, Mine(metrics, "pluginhost.plugin.state").Single().GetGaugeLastValueLong());
        Assert.Contains(metrics, m => m.Name == "dotnet.process.cpu.time" && m.Unit == "s");
        Assert.Contains(metrics, m => m.Name == "dotnet.gc.heap.total_allocated");
    }

    [Fact]
    public void NothingIsRegisteredUnlessConfiguredOrForAnotherVerb()
    {
        Assert.Null(Provider([]).GetService<MeterProvider>());
        Assert.Null(Provider(new() { ["PluginHost:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4317" }, running: false).GetService<MeterProvider>());
        Assert.NotNull(Provider(new() { ["PluginHost:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4317" }).GetService<MeterProvider>());
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings, bool running = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddTelemetry(configuration, running).BuildServiceProvider();
    }

    private static List<MetricSnapshot> Flush(MeterProvider provider, List<MetricSnapshot> exported)
    {
        lock (exported)
        {
            exported.Clear();
            provider.ForceFlush();
            return [.. exported];
        }
    }

    // The meters are process-wide: only this test's plugin's points.
    private static IEnumerable<MetricPoint> Mine(IEnumerable<MetricSnapshot> metrics, string name) =>
        metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints).Where(p => Tag(p, "plugin") as string == "om-consumer");

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
                return tag.Value;
        }
        return null;
    }
}
