namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>Resident memory of this process, from <c>/proc/self/status</c> (Linux only).</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS in bytes.</summary>
    public static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                continue;
            var kb = line["VmRSS:".Length..].Trim().Split(' ', 2)[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new PlatformNotSupportedException("VmRSS not found in /proc/self/status.");
    }

    /// <summary>Collects .NET garbage (so finalisable wrappers are gone) and reads VmRSS.</summary>
    public static long ResidentBytesAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ResidentBytes();
    }
}
