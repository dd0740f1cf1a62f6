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

    /// <summary>
    /// Charge each interpreter with its blocks from CPython's raw allocator — every object over 512 bytes, which its
    /// own obmalloc does not hold — by wrapping that allocator before initialisation (configuration
    /// <c>Python:TrackLargeAllocations</c>). Off, <see cref="AllocatorStatistics.LargeBytes"/> is null and a plugin's
    /// memory figure misses its large objects. Cost: docs/benchmarks.md.
    /// </summary>
    public bool TrackLargeAllocations { get; init; } = true;

    /// <summary>
    /// Python's UTF-8 mode (PEP 540; configuration <c>Python:Utf8Mode</c>, the equivalent of <c>PYTHONUTF8</c>, which
    /// the isolated runtime does not read): true forces it on, false off, null (the default) decides as python3 does —
    /// on when the process's LC_CTYPE locale (from LC_ALL, LC_CTYPE, LANG) is C or POSIX. Process-wide.
    /// </summary>
    public bool? Utf8Mode { get; init; }

    /// <summary>Already located installation; skips the search when set (the host locates before it starts).</summary>
    public PythonInstallation? Installation { get; set; }
}
