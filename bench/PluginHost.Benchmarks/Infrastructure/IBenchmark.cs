namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>One named benchmark. Add a new one as its own file and list it in <see cref="BenchmarkCatalog"/>.</summary>
public interface IBenchmark
{
    /// <summary>The name given on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark, yielding each result as soon as it is known. Progress goes to <see cref="BenchContext.Log"/>.</summary>
    IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken = default);
}
