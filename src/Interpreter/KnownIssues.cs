namespace PluginHost.Interpreter;

/// <summary>CPython bugs that the runtime works around, by the version that has them.</summary>
internal static class KnownIssues
{
    /// <summary>
    /// gh-119213 (fixed in 3.12.4 and 3.13.0): argument-clinic keyword tuples of extension modules are cached in
    /// process-wide statics but allocated by whichever interpreter first parsed keywords; Py_FinalizeEx then frees
    /// them with the wrong allocator (observed: <c>munmap_chunk(): invalid pointer</c> after a subinterpreter
    /// called <c>base64.b64encode</c>).
    /// </summary>
    internal static bool FinalizeFreesForeignMemory(string sysVersion) =>
        ParseVersion(sysVersion) is { } v && v.Major == 3 && v.Minor == 12 && v.Build < 4;

    /// <summary>"3.12.1 (main, ...)" → 3.12.1; null when it cannot be read.</summary>
    internal static Version? ParseVersion(string sysVersion)
    {
        var head = sysVersion.Split(' ', 2)[0];
        var digits = new string(head.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray());
        return Version.TryParse(digits, out var v) ? v : null;
    }
}
