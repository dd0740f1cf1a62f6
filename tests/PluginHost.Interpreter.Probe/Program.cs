using PluginHost.Interpreter;

// Usage: probe <interpreters> [python source run in each]
// Starts the runtime (found as the host finds it), runs the source in N isolated interpreters at once, leaves them
// live, then disposes the runtime, which must end them and finalise. Prints one line per step for the test to read.
var count = args.Length > 0 ? int.Parse(args[0]) : 1;
var source = args.Length > 1 ? args[1] : "x = 1";
var runtime = PythonRuntime.Start();
Console.WriteLine($"started {runtime.Version.Split(' ')[0]}");
var interpreters = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => runtime.CreateInterpreterAsync()));
await Task.WhenAll(interpreters.Select(i => i.RunAsync(source)));
Console.WriteLine($"ran in {interpreters.Length} live={runtime.Interpreters.Count}");
await runtime.DisposeAsync();
Console.WriteLine($"finalized live={runtime.Interpreters.Count}");
return 0;
