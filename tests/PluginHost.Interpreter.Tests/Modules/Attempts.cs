namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>Runs Python calls in a plugin's interpreter and gives back what each raised, for tests of refusals.</summary>
internal static class Attempts
{
    /// <summary>Imports sys and pluginhost and defines <c>attempt(*calls)</c>: "ok", or "Type: message", per call.</summary>
    public const string Define = """
        import sys, pluginhost
        def attempt(*calls):
            results = []
            for call in calls:
                try:
                    call()
                    results.append("ok")
                except Exception as e:
                    results.append(f"{type(e).__name__}: {e}")
            return results
        """;

    /// <summary>What each of <paramref name="calls"/> (Python lambdas, comma-separated) raised; <see cref="Define"/> must have run.</summary>
    public static async Task<string[]> RunAsync(SubInterpreter interpreter, string calls) =>
        [.. ((object?[])(await interpreter.EvaluateAsync($"attempt({calls})"))!).Cast<string>()];
}
