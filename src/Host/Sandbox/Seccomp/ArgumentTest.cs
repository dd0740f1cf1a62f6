using PluginHost.Host.Sandbox.Bpf;

namespace PluginHost.Host.Sandbox.Seccomp;

/// <summary>
/// When a syscall is denied, by its arguments. Each test emits instructions that end in a jump to <c>match</c> (deny)
/// or <c>miss</c>. Tests read the low 32 bits of an argument where the kernel itself takes an int (flags, families,
/// ioctl requests, pids): the kernel ignores the high bits there, so a filter must too, or a caller could set them to
/// slip past.
/// </summary>
internal abstract record ArgumentTest
{
    /// <summary>Every call of the syscall.</summary>
    public static ArgumentTest Always { get; } = new AlwaysTest();

    /// <summary>Argument <paramref name="index"/> has any bit of <paramref name="mask"/> set.</summary>
    public static ArgumentTest AnyBitSet(int index, uint mask) => new BitsTest(index, mask, WhenSet: true);

    /// <summary>Argument <paramref name="index"/> has no bit of <paramref name="mask"/> set.</summary>
    public static ArgumentTest NoBitSet(int index, uint mask) => new BitsTest(index, mask, WhenSet: false);

    /// <summary>(argument <paramref name="index"/> &amp; <paramref name="mask"/>) == <paramref name="value"/>.</summary>
    public static ArgumentTest Equal(int index, uint value, uint mask = uint.MaxValue) => new CompareTest(index, mask, value, WhenEqual: true);

    /// <summary>Argument <paramref name="index"/> != <paramref name="value"/>.</summary>
    public static ArgumentTest NotEqual(int index, uint value) => new CompareTest(index, uint.MaxValue, value, WhenEqual: false);

    /// <summary>The full 64-bit argument <paramref name="index"/> is not zero (a pointer that is not NULL).</summary>
    public static ArgumentTest NotNull(int index) => new NotNullTest(index);

    /// <summary>Both tests hold.</summary>
    public static ArgumentTest Both(ArgumentTest first, ArgumentTest second) => new BothTest(first, second);

    public bool IsAlways => this is AlwaysTest;

    internal abstract void Emit(BpfAssembler code, string match, string miss);

    private sealed record AlwaysTest : ArgumentTest
    {
        internal override void Emit(BpfAssembler code, string match, string miss) =>
            throw new InvalidOperationException("An unconditional denial has no argument test to emit.");
    }

    private sealed record BitsTest(int Index, uint Mask, bool WhenSet) : ArgumentTest
    {
        internal override void Emit(BpfAssembler code, string match, string miss)
        {
            code.LoadWord(SeccompData.ArgumentLow(Index));
            code.JumpIfAnySet(Mask, WhenSet ? match : miss, WhenSet ? miss : match);
        }
    }

    private sealed record CompareTest(int Index, uint Mask, uint Value, bool WhenEqual) : ArgumentTest
    {
        internal override void Emit(BpfAssembler code, string match, string miss)
        {
            code.LoadWord(SeccompData.ArgumentLow(Index));
            if (Mask != uint.MaxValue)
                code.And(Mask);
            code.JumpIfEqual(Value, WhenEqual ? match : miss, WhenEqual ? miss : match);
        }
    }

    private sealed record NotNullTest(int Index) : ArgumentTest
    {
        internal override void Emit(BpfAssembler code, string match, string miss)
        {
            var high = code.NewLabel("high");
            code.LoadWord(SeccompData.ArgumentLow(Index));
            code.JumpIfEqual(0, high, match);
            code.Bind(high);
            code.LoadWord(SeccompData.ArgumentHigh(Index));
            code.JumpIfEqual(0, miss, match);
        }
    }

    private sealed record BothTest(ArgumentTest First, ArgumentTest Second) : ArgumentTest
    {
        internal override void Emit(BpfAssembler code, string match, string miss)
        {
            var second = code.NewLabel("and");
            First.Emit(code, second, miss);
            code.Bind(second);
            Second.Emit(code, match, miss);
        }
    }
}
