using System.Text.Json;
using PluginHost.Interpreter;

namespace PluginHost.Host.Cli;

// One runtime for any number of folders (a process hosts one CPython): validate checks one, list every plugin's.
internal static partial class SyntaxCheck
{
    /// <summary>For <c>list</c>: the syntax errors of each folder that has any, on one line.</summary>
    /// <exception cref="Interpreter.Locating.PythonNotFoundException">No usable CPython.</exception>
    /// <exception cref="TimeoutException">Compiling did not finish within <paramref name="timeout"/>.</exception>
    public static IReadOnlyDictionary<string, string> RunAll(PythonRuntimeOptions options, IEnumerable<string> folders, TimeSpan timeout) =>
        (Errors(options, folders, timeout) ?? throw new TimeoutException($"compiling did not finish within {BoundedRun.Seconds(timeout)} s (PluginHost:CheckTimeout)")).ToDictionary(e => e.Key, e => "Python syntax errors: " + string.Join("; ", e.Value), StringComparer.Ordinal);

    /// <summary>
    /// Each folder's syntax errors (file:line: type: message), for the folders that have any; null when compiling did
    /// not finish within <paramref name="timeout"/> (it was interrupted, or abandoned if stuck in C).
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>>? Errors(PythonRuntimeOptions options, IEnumerable<string> folders, TimeSpan timeout)
    {
        var found = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var list = folders.Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0)
            return found;
        var runtime = PythonRuntime.Start(options);
        try
        {
            var interpreter = runtime.CreateInterpreterAsync().GetAwaiter().GetResult();
            var (finished, results) = BoundedRun.RunAsync(interpreter, scope =>
            {
                scope.Exec(Checker);
                return (object?[])scope.Evaluate($"[_pluginhost_compile_all(f) for f in {JsonSerializer.Serialize(list)}]")!;
            }, timeout).GetAwaiter().GetResult();
            if (!finished)
                return null;
            BoundedRun.EndAsync(interpreter).GetAwaiter().GetResult();
            foreach (var (folder, result) in list.Zip(results!))
            {
                if (result is object?[] { Length: > 0 } errors)
                    found[folder] = [.. errors.Select(e => e?.ToString() ?? "")];
            }
            return found;
        }
        finally
        {
            runtime.ShutdownAsync(BoundedRun.Grace).GetAwaiter().GetResult();
        }
    }
}
