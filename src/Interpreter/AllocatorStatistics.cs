using System.Globalization;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// One interpreter's own small-object allocator (obmalloc, its own with PEP 684): bytes in live blocks and bytes of
/// arenas it holds. Objects over 512 bytes come from the process-wide malloc and are not in these figures.
/// </summary>
public readonly record struct AllocatorStatistics(long AllocatedBytes, long ArenaBytes)
{
    /// <summary>Reads the attached interpreter's figures (its own thread only); null when CPython runs without pymalloc.</summary>
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
