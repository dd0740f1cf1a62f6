using System.Globalization;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// What one interpreter holds. <see cref="AllocatedBytes"/> and <see cref="ArenaBytes"/> are its own small-object
/// allocator's (obmalloc, its own with PEP 684): bytes in live blocks and bytes of arenas it holds. Objects over 512
/// bytes are not in those: pymalloc hands them to the process-wide raw allocator, whose blocks the runtime charges to
/// the interpreter that allocated them, in <see cref="LargeBytes"/>.
/// </summary>
public readonly record struct AllocatorStatistics(long AllocatedBytes, long ArenaBytes)
{
    /// <summary>
    /// Bytes in the interpreter's live blocks from the raw allocator: objects over 512 bytes and CPython's raw
    /// allocations for it (bytes requested, whether or not the pages were touched yet); null when
    /// <see cref="PythonRuntimeOptions.TrackLargeAllocations"/> is off.
    /// </summary>
    public long? LargeBytes { get; init; }

    /// <summary>Live bytes the interpreter holds: <see cref="AllocatedBytes"/> plus <see cref="LargeBytes"/>.</summary>
    public long TotalBytes => AllocatedBytes + (LargeBytes ?? 0);

    /// <summary>Reads the attached interpreter's obmalloc figures (its own thread only); null when CPython runs without pymalloc.</summary>
    internal static AllocatorStatistics? ReadCurrent() => Parse(Interop.AllocatorReport());

    /// <summary>From <c>_PyObject_DebugMallocStats</c>'s report: "# bytes in allocated blocks" and "N arenas * M bytes/arena".</summary>
    internal static AllocatorStatistics? Parse(string report)
    {
        long? allocated = null, arenas = null;
        foreach (var line in report.Split('\n'))
        {
            if (line.StartsWith("# bytes in allocated blocks", StringComparison.Ordinal))
                allocated = Number(line);
            else if (line.Contains(" bytes/arena", StringComparison.Ordinal))
                arenas = Number(line);
        }
        return allocated is { } a ? new AllocatorStatistics(a, arenas ?? 0) : null;
    }

    private static long Number(string line) =>
        long.Parse(line[(line.LastIndexOf('=') + 1)..].Trim().Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
