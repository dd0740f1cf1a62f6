using System.Text.Json;
using PluginHost.Interpreter;

namespace PluginHost.Host.Cli;

// For `list`: the same check as validate's, for every plugin folder, in one runtime (a process hosts one CPython).
internal static partial class SyntaxCheck
{
    /// <summary>The syntax errors of each folder that has any, as validate words them.</summary>
    /// <exception cref="Interpreter.Locating.PythonNotFoundException">No usable CPython.</exception>
    public static IReadOnlyDictionary<string, string> RunAll(PythonRuntimeOptions options, IEnumerable<string> folders)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = folders.Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0)
            return found;
        var runtime = PythonRuntime.Start(options);
        try
        {
            var interpreter = runtime.CreateInterpreterAsync().GetAwaiter().GetResult();
            var results = (object?[])interpreter.InvokeAsync(scope =>
            {
                scope.Exec(Checker);
                return scope.Evaluate($"[_pluginhost_compile_all(f) for f in {JsonSerializer.Serialize(list)}]");
            }).GetAwaiter().GetResult()!;
            foreach (var (folder, result) in list.Zip(results))
            {
                if (result is object?[] { Length: > 0 } errors)
                    found[folder] = "Python syntax errors: " + string.Join("; ", errors);
            }
            return found;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
