using PluginHost.Interpreter;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>What a benchmark gets: the process's one runtime, the parsed options, and a writer for progress.</summary>
public sealed record BenchContext(PythonRuntime Runtime, BenchOptions Options, TextWriter Log)
{
    /// <summary>e.g. <c>3.13.0</c>.</summary>
    public string PythonVersion => Runtime.Version.Split(' ', 2)[0];
}
