namespace PluginHost.Host.Sandbox.Seccomp;

/// <summary>
/// Where a seccomp filter finds things in <c>struct seccomp_data</c> (linux/seccomp.h) on x86-64, and the constants it
/// compares them with. Arguments are 64-bit; the low word comes first (little-endian).
/// </summary>
internal static class SeccompData
{
    public const uint Number = 0;
    public const uint Architecture = 4;

    /// <summary>AUDIT_ARCH_X86_64: EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. i386 (int 0x80) calls carry another value.</summary>
    public const uint ArchitectureX8664 = 62 | 0x80000000 | 0x40000000;

    /// <summary>__X32_SYSCALL_BIT: x32 calls share the x86-64 architecture value and set this bit in the number.</summary>
    public const uint X32SyscallBit = 0x40000000;

    public static uint ArgumentLow(int index) => checked((uint)(16 + 8 * index));

    public static uint ArgumentHigh(int index) => ArgumentLow(index) + 4;
}
