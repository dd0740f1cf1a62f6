using System.Globalization;

namespace PluginHost.Host.Sandbox;

/// <summary>
/// What <c>/proc/self/status</c> says about the kernel's hold on this process (its main thread): no_new_privs,
/// the seccomp mode and filter count, and the capability sets. The evidence <c>pluginhost check</c> reports.
/// </summary>
internal sealed record ProcessStatus(bool NoNewPrivileges, int SeccompMode, int SeccompFilters, ulong Effective, ulong Permitted, ulong Inheritable, ulong Ambient, ulong Bounding)
{
    public static ProcessStatus Read(string path = "/proc/self/status")
    {
        var fields = File.ReadLines(path)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim(), StringComparer.Ordinal);
        int Number(string key) => fields.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        ulong Mask(string key) => fields.TryGetValue(key, out var value) ? ulong.Parse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
        return new ProcessStatus(Number("NoNewPrivs") == 1, Number("Seccomp"), Number("Seccomp_filters"),
            Mask("CapEff"), Mask("CapPrm"), Mask("CapInh"), Mask("CapAmb"), Mask("CapBnd"));
    }

    /// <summary>The process's virtual address space now (VmSize), in bytes: what an RLIMIT_AS is measured against.</summary>
    public static long AddressSpaceBytes(string path = "/proc/self/status") =>
        Sizes(File.ReadAllText(path)).TryGetValue("VmSize", out var size) ? size : throw new InvalidDataException($"{path} has no VmSize");

    /// <summary>The size fields of a status file's <paramref name="text"/> ("VmSize:   123456 kB", "RssAnon:", ...), in bytes.</summary>
    public static Dictionary<string, long> Sizes(string text)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || !line.EndsWith(" kB", StringComparison.Ordinal))
                continue;
            sizes[line[..colon].ToString()] = long.Parse(line[(colon + 1)..^3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
        }
        return sizes;
    }
}
