using PluginHost.Interpreter.Locating;

namespace PluginHost.Interpreter;

/// <summary>How the process's one CPython runtime is found and started.</summary>
public sealed record PythonRuntimeOptions
{
    /// <summary>A libpython path or python executable (configuration <c>Python:Library</c>); null to search.</summary>
    public string? Library { get; init; }

    /// <summary>
    /// Imported in the main interpreter before any subinterpreter exists: CPython 3.12.1/3.13.0 corrupt the heap when
    /// these are first imported (or refused) in an isolated subinterpreter and then imported elsewhere.
    /// </summary>
    public IReadOnlyList<string> PreloadModules { get; init; } = ["_datetime", "_decimal", "_ctypes", "pyexpat", "_elementtree"];

    /// <summary>Already located installation; skips the search when set (the host locates before it starts).</summary>
    public PythonInstallation? Installation { get; set; }
}
