using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using Xunit.Abstractions;

namespace PluginHost.Host.Tests.Lifecycle;

[Collection(PythonCollection.Name)]
public sealed class MemoryTests(PythonRuntimeFixture fixture, ITestOutputHelper output)
{
    // Small objects (a 64-byte block each in the interpreter's own obmalloc), kept alive.
    private const string Hoarder = """
        keep = []
        def on_message(message):
            keep.extend(object() for _ in range(int(message.payload)))
        """;

    [Fact]
    public async Task AllocatorFiguresAreThoseOfEachPluginsOwnInterpreter()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(50);
        harness.Plugin("hoarder", Hoarder);
        harness.Plugin("quiet", "def on_message(message):\n    pass\n");
        await harness.StartAsync();
        await Messaging.Brokers.Until(() => harness.Status("hoarder").AllocatedBytes is not null && harness.Status("quiet").AllocatedBytes is not null, 20);
        var hoarderBefore = harness.Status("hoarder").AllocatedBytes!.Value;
        var quietBefore = harness.Status("quiet").AllocatedBytes!.Value;

        await harness.Broker.PublishAsync(RestartTests.Text("anything", "200000") with { To = "hoarder" });

        // 200,000 objects of 16 bytes each (their list's buffer is a large allocation: not counted).
        await Messaging.Brokers.Until(() => harness.Status("hoarder").AllocatedBytes > hoarderBefore + 200_000 * 15, 20);
        await Task.Delay(300);   // a few more samples of the quiet one
        var quietAfter = harness.Status("quiet").AllocatedBytes!.Value;
        var hoarder = harness.Status("hoarder");
        output.WriteLine($"hoarder {hoarderBefore} -> {hoarder.AllocatedBytes} bytes (arenas {hoarder.ArenaBytes}); quiet {quietBefore} -> {quietAfter}");
        Assert.InRange(quietAfter, quietBefore - (256 << 10), quietBefore + (256 << 10));
    }

    [Fact]
    public async Task AnInstanceOverItsMemoryLimitIsRestartedWithTheFigureLogged()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.MemorySampleInterval = TimeSpan.FromMilliseconds(50);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(10) };
        harness.Options.Plugins["hoarder"] = new PluginOptions { MemoryLimitMiB = 8 };
        harness.Plugin("hoarder", Hoarder);
        await harness.StartAsync();
        var first = harness.Status("hoarder").InterpreterId;

        await harness.Broker.PublishAsync(RestartTests.Text("anything", "1000000") with { To = "hoarder" });

        await Messaging.Brokers.Until(() => harness.Status("hoarder") is { State: PluginState.Running, Restarts: 1 }, 30);
        Assert.NotEqual(first, harness.Status("hoarder").InterpreterId);
        var line = Assert.Single(harness.Logs.Records, r => r.EventId == 1010);
        Assert.Matches("holds [0-9]+ MiB \\([0-9]+ bytes\\) in live blocks, over the limit of 8 MiB", line.Message);
        output.WriteLine(line.Message);
        await Messaging.Brokers.Until(() => harness.Status("hoarder").AllocatedBytes is { } now && now < 8 << 20, 20);
        output.WriteLine($"after the restart: {harness.Status("hoarder").AllocatedBytes} bytes");
    }

    [Fact]
    public async Task TracemallocCannotBeLoadedInAPluginSoTheAllocatorIsTheMeasure()
    {
        // _tracemalloc is a single-phase module: CPython refuses it in an isolated interpreter (3.12 and 3.13).
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("tracer", "import tracemalloc\n");
        await harness.StartAsync();

        var status = harness.Status("tracer");
        Assert.Equal(PluginState.Failed, status.State);
        Assert.Contains("_tracemalloc does not support loading in subinterpreters", status.Error);
    }
}
