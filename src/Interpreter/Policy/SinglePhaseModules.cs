namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The standard library's extension modules with single-phase initialisation, in CPython 3.12 and 3.13. CPython
/// refuses them in an isolated interpreter only after it has called their init function — which for a single-phase
/// module already sets up its process-wide state (readline's init, for one, rewrites the process's LINES and COLUMNS
/// environment variables and reads ~/.inputrc). The policy refuses them before they are loaded, with CPython's own
/// ImportError. A test checks this list against the installed CPythons (SinglePhaseModulesTests).
/// </summary>
internal static class SinglePhaseModules
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        // Both versions.
        "readline", "_curses", "_curses_panel", "_tkinter", "xxlimited_35",
        "_testsinglephase", "_testbuffer", "_testcapi", "_testclinic", "_testimportmultiple", "_xxtestfuzz",
        // 3.13.
        "_testclinic_limited", "_testexternalinspection", "_testlimitedcapi",
        // 3.12 (which the host imports into the main interpreter first, where it has any, see PythonRuntimeOptions).
        "_ctypes", "_datetime", "_decimal", "_elementtree", "pyexpat", "_lsprof", "nis", "ossaudiodev",
    };

    /// <summary>Whether the module whose file name starts with <paramref name="stem"/> is single-phase in some supported CPython.</summary>
    internal static bool Contains(ReadOnlySpan<byte> stem) => Names.Contains(System.Text.Encoding.UTF8.GetString(stem));

    internal static IReadOnlyCollection<string> All => Names;
}
