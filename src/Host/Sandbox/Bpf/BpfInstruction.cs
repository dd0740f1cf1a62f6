using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Bpf;

/// <summary>
/// One classic BPF instruction as the kernel reads it (<c>struct sock_filter</c>, 8 bytes): an opcode, two relative
/// jump offsets (instructions to skip when a conditional jump is true or false) and a constant.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct BpfInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K)
{
    // Opcodes (linux/filter.h, linux/bpf_common.h): class | size | mode, or class | operation | source.
    internal const ushort LoadWordAbsolute = 0x00 | 0x00 | 0x20;   // BPF_LD | BPF_W | BPF_ABS: A = data[k..k+4]
    internal const ushort AndConstant = 0x04 | 0x50 | 0x00;        // BPF_ALU | BPF_AND | BPF_K: A &= k
    internal const ushort JumpIfEqual = 0x05 | 0x10 | 0x00;        // BPF_JMP | BPF_JEQ | BPF_K
    internal const ushort JumpIfGreaterOrEqual = 0x05 | 0x30 | 0x00;  // BPF_JMP | BPF_JGE | BPF_K (unsigned)
    internal const ushort JumpIfAnyBitSet = 0x05 | 0x40 | 0x00;    // BPF_JMP | BPF_JSET | BPF_K: A & k != 0
    internal const ushort ReturnConstant = 0x06 | 0x00;            // BPF_RET | BPF_K

    public bool IsReturn => Code == ReturnConstant;

    public bool IsConditionalJump => Code is JumpIfEqual or JumpIfGreaterOrEqual or JumpIfAnyBitSet;

    public override string ToString() => Code switch
    {
        LoadWordAbsolute => $"ld [{K}]",
        AndConstant => $"and #0x{K:x}",
        JumpIfEqual => $"jeq #0x{K:x}, +{JumpTrue}, +{JumpFalse}",
        JumpIfGreaterOrEqual => $"jge #0x{K:x}, +{JumpTrue}, +{JumpFalse}",
        JumpIfAnyBitSet => $"jset #0x{K:x}, +{JumpTrue}, +{JumpFalse}",
        ReturnConstant => $"ret #0x{K:x}",
        _ => $"op 0x{Code:x} {JumpTrue} {JumpFalse} 0x{K:x}",
    };
}
