using PluginHost.Interpreter;
using PluginHost.Interpreter.Locating;

namespace PluginHost.Host.Configuration;

/// <summary>Where CPython comes from, bound from the configuration section <c>Python</c>.</summary>
internal sealed class PythonOptions
{
    public const string SectionName = "Python";

    /// <summary>A libpython path, python executable or installation prefix; null searches (see <see cref="PythonLocator"/>).</summary>
    public string? Library { get; set; }

    /// <summary>
    /// Charge each interpreter with its large blocks (objects over 512 bytes), so a plugin's memory figure and
    /// <c>MemoryLimitMiB</c> see them; off saves the raw-allocator wrapper's cost (docs/reliability.md).
    /// </summary>
    public bool TrackLargeAllocations { get; set; } = true;

    /// <summary>Python's UTF-8 mode (PEP 540), like PYTHONUTF8: true on, false off, unset as python3 decides from the locale.</summary>
    public bool? Utf8Mode { get; set; }

    public PythonRuntimeOptions ToRuntimeOptions() => new()
    {
        Library = string.IsNullOrWhiteSpace(Library) ? null : Library,
        TrackLargeAllocations = TrackLargeAllocations,
        Utf8Mode = Utf8Mode,
    };
}
