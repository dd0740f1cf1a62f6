using PluginHost.Host.Configuration;
using PluginHost.Interpreter;
using PluginHost.Sdk;

namespace PluginHost.Host.Cli;

/// <summary>
/// For <c>validate</c>: compiles every .py file of a plugin folder (its lib/ too) in an isolated interpreter, so a
/// syntax error is found without running any of the plugin's code.
/// </summary>
internal static partial class SyntaxCheck
{
    private const string Checker = """
        def _pluginhost_compile_all(folder):
            import os
            errors = []
            for root, dirs, files in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(".py"):
                        path = os.path.join(root, name)
                        try:
                            with open(path, "rb") as f:
                                compile(f.read(), path, "exec", dont_inherit=True)
                        except (SyntaxError, ValueError) as e:
                            errors.append(f"{os.path.relpath(path, folder)}:{getattr(e, 'lineno', '?')}: {type(e).__name__}: {getattr(e, 'msg', e)}")
            return errors
        """;

    /// <param name="timeout">How long compiling may take (PluginHost:CheckTimeout); then it is interrupted and reported.</param>
    public static string? Run(PythonRuntimeOptions options, PluginManifest manifest, string folder, TimeSpan? timeout = null)
    {
        var limit = timeout ?? PluginHostOptions.DefaultCheckTimeout;
        var found = Errors(options, [folder], limit);
        if (found is null)
            return $"its Python files did not finish compiling within {BoundedRun.Seconds(limit)} s (PluginHost:CheckTimeout)";
        return found.TryGetValue(folder, out var errors)
            ? "Python syntax errors:" + string.Concat(errors.Select(e => $"{Environment.NewLine}    {e}"))
            : null;
    }
}
