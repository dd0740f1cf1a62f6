using PluginHost.Benchmarks.Benchmarks;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>Every benchmark the program knows, in the order <c>all</c> runs them.</summary>
public static class BenchmarkCatalog
{
    // lifecycle first: its memory figures depend on what earlier interpreters left behind (freed memory is reused).
    public static IReadOnlyList<IBenchmark> All { get; } =
    [
        new LifecycleBenchmark(),
        new ParallelBenchmark(),
        new BrokerThroughputBenchmark(),
        new RequestReplyBenchmark(),
        new FanOutBenchmark(),
        new HostCallBenchmark(),
        new PolicyBenchmark(),
        new SandboxBenchmark(),
        new ThreadConfinementBenchmark(),
        new AllocationBenchmark(),
        new StartupBenchmark(),
        new TelemetryOverheadBenchmark(),
        new AsyncHandlersBenchmark(),
        new Benchmarks.Nats.NatsBenchmark(),
    ];

    /// <summary>The benchmarks a command-line name selects; empty when the name is unknown.</summary>
    public static IReadOnlyList<IBenchmark> Select(string name) =>
        name == "all" ? All : All.Where(b => b.Name == name).ToArray();
}
