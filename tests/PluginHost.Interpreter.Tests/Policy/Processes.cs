namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>What the process itself sees, read from outside any governed interpreter.</summary>
internal static class Processes
{
    /// <summary>The native environment variable <paramref name="name"/>, as a fresh ungoverned interpreter reads it at creation.</summary>
    public static async Task<string?> NativeVariableAsync(PythonRuntime runtime, string name)
    {
        await using var fresh = await runtime.CreateInterpreterAsync();
        return (string?)await fresh.EvaluateAsync($"__import__('posix').environ.get(b'{name}', b'').decode() or None");
    }

    /// <summary>
    /// Copies CPython's <c>_testsinglephase</c> extension module (single-phase init) into <paramref name="folder"/>,
    /// under the same file name, so it imports as <c>_testsinglephase</c> from there; returns the copy's path.
    /// </summary>
    public static async Task<string> CopySinglePhaseModuleAsync(PythonRuntime runtime, string folder)
    {
        await using var fresh = await runtime.CreateInterpreterAsync();
        var source = (string)(await fresh.EvaluateAsync(
            "__import__('glob').glob(__import__('os').path.join([p for p in __import__('sys').path if p.endswith('lib-dynload')][0], '_testsinglephase.*.so'))[0]"))!;
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, Path.GetFileName(source));
        File.Copy(source, copy, overwrite: true);
        return copy;
    }
}
