using PluginHost.Interpreter;
using PluginHost.Interpreter.Locating;
var lib = args[0];
var v = lib.Contains("3.12") ? new Version(3,12) : new Version(3,13);
await using var rt = PythonRuntime.Start(new PythonRuntimeOptions { Installation = new PythonInstallation(lib, Path.GetDirectoryName(Path.GetDirectoryName(lib)), v, "test"), PreloadModules = args.Length > 2 ? args[2].Split(',') : new PythonRuntimeOptions().PreloadModules });
var a = await rt.CreateInterpreterAsync();
if (args.Length > 1 && args[1] != "") await a.RunAsync(args[1]);
Console.WriteLine("ok");
