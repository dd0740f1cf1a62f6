using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

// capget(2)/capset(2), version 3 (64-bit sets in two 32-bit halves). Both act on the calling thread only.
internal static unsafe partial class Kernel
{
    private const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    internal const int CAP_SETPCAP = 8;
    internal const int CAP_SYS_ADMIN = 21;

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;   // 0: the calling thread
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport(Libc, EntryPoint = "capget", SetLastError = true)]
    private static partial int RawCapget(CapHeader* header, CapData* data);

    [LibraryImport(Libc, EntryPoint = "capset", SetLastError = true)]
    private static partial int RawCapset(CapHeader* header, CapData* data);

    /// <summary>The calling thread's effective, permitted and inheritable sets (bit n = capability n).</summary>
    internal static (ulong Effective, ulong Permitted, ulong Inheritable) GetCapabilities()
    {
        var header = new CapHeader { Version = LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc CapData[2];
        Check(RawCapget(&header, data), "capget");
        return (Join(data[0].Effective, data[1].Effective), Join(data[0].Permitted, data[1].Permitted), Join(data[0].Inheritable, data[1].Inheritable));
    }

    /// <summary>Empties the calling thread's effective, permitted and inheritable sets. Lowering is always allowed.</summary>
    internal static void ClearCapabilities()
    {
        var header = new CapHeader { Version = LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc CapData[2];
        data[0] = default;
        data[1] = default;
        Check(RawCapset(&header, data), "capset");
    }

    private static ulong Join(uint low, uint high) => low | (ulong)high << 32;
}
