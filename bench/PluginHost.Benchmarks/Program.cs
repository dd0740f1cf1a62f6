using PluginHost.Benchmarks.Benchmarks.Sandbox;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Interpreter;

// dotnet run -c Release --project bench/PluginHost.Benchmarks -- <name> [--json] [options]
// A measurement that needs a process of its own runs the program again as --child <mode>, before CPython starts.
if (args is [ChildModes.Flag, var mode, .. var rest])
    return await ChildModes.RunAsync(mode, rest);
if (args is ["--help" or "-h", ..])
{
    Console.Out.Write(Usage());
    return 0;
}
if (args.Length == 0 || BenchmarkCatalog.Select(args[0]) is not { Count: > 0 } selected)
{
    if (args.Length > 0)
        Console.Error.WriteLine($"Unknown benchmark '{args[0]}'.");
    Console.Error.Write(Usage());
    return 2;
}
BenchOptions options;
try
{
    options = BenchOptions.Parse(args[1..]);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.Write(Usage());
    return 2;
}

await using var runtime = PythonRuntime.Start(new PythonRuntimeOptions { TrackLargeAllocations = !options.NoLargeAllocationTracking });
var context = new BenchContext(runtime, options, Console.Error);
IReporter reporter = options.Json ? new JsonReporter(Console.Out) : new TableReporter(Console.Out, context.PythonVersion);
context.Log.WriteLine($"CPython {runtime.Version.Split(' ')[0]} from {runtime.Installation.LibraryPath}; {Environment.ProcessorCount} logical CPUs; .NET {Environment.Version}; large blocks {(runtime.LargeAllocationsTracked ? "charged to interpreters" : "not tracked")}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
foreach (var benchmark in selected)
{
    reporter.Begin(benchmark);
    await foreach (var result in benchmark.RunAsync(context))
        reporter.Report(result with { Python = context.PythonVersion });
    reporter.End(benchmark);
}
return 0;

static string Usage() =>
    "usage: PluginHost.Benchmarks <name> [--json] [options]\n\nnames:\n"
    + string.Concat(BenchmarkCatalog.All.Select(b => $"  {b.Name,-17}  {b.Description}\n"))
    + $"  {"all",-17}  every benchmark above, in order\n\noptions:\n{BenchOptions.Help}\n";
