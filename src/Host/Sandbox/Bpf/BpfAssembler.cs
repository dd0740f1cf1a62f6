namespace PluginHost.Host.Sandbox.Bpf;

/// <summary>
/// Writes a classic BPF program with named instructions and labels instead of hand-counted jump offsets. Classic BPF
/// jumps only forwards and at most 255 instructions; <see cref="Assemble"/> resolves every label and refuses a program
/// the kernel would refuse (a backward or too-long jump, an unbound label, no final return, more than 4096
/// instructions), so a mistake is an exception here rather than EINVAL at install time.
/// </summary>
internal sealed class BpfAssembler
{
    /// <summary>BPF_MAXINSNS.</summary>
    public const int MaxInstructions = 4096;

    private readonly List<(BpfInstruction Instruction, string? WhenTrue, string? WhenFalse)> _code = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private int _labelCount;

    /// <summary>Instructions so far.</summary>
    public int Count => _code.Count;

    /// <summary>A label name not used before, for <see cref="Bind"/> and the jumps.</summary>
    public string NewLabel(string hint) => $"{hint}#{_labelCount++}";

    /// <summary>Binds <paramref name="label"/> to the next instruction emitted.</summary>
    public void Bind(string label)
    {
        if (!_labels.TryAdd(label, _code.Count))
            throw new InvalidOperationException($"BPF label '{label}' is bound twice.");
    }

    /// <summary>A = the 32-bit word at <paramref name="offset"/> of the input (for seccomp: <c>struct seccomp_data</c>).</summary>
    public void LoadWord(uint offset) => Emit(new(BpfInstruction.LoadWordAbsolute, 0, 0, offset));

    /// <summary>A &amp;= <paramref name="mask"/>.</summary>
    public void And(uint mask) => Emit(new(BpfInstruction.AndConstant, 0, 0, mask));

    /// <summary>Goes to <paramref name="whenTrue"/> if A == <paramref name="value"/>, else to <paramref name="whenFalse"/> (null: the next instruction).</summary>
    public void JumpIfEqual(uint value, string? whenTrue, string? whenFalse = null) =>
        Emit(new(BpfInstruction.JumpIfEqual, 0, 0, value), whenTrue, whenFalse);

    /// <summary>Goes to <paramref name="whenTrue"/> if A &gt;= <paramref name="value"/> (unsigned), else to <paramref name="whenFalse"/>.</summary>
    public void JumpIfAtLeast(uint value, string? whenTrue, string? whenFalse = null) =>
        Emit(new(BpfInstruction.JumpIfGreaterOrEqual, 0, 0, value), whenTrue, whenFalse);

    /// <summary>Goes to <paramref name="whenTrue"/> if A &amp; <paramref name="mask"/> != 0, else to <paramref name="whenFalse"/>.</summary>
    public void JumpIfAnySet(uint mask, string? whenTrue, string? whenFalse = null) =>
        Emit(new(BpfInstruction.JumpIfAnyBitSet, 0, 0, mask), whenTrue, whenFalse);

    /// <summary>Ends the program with <paramref name="action"/> (for seccomp: <c>SECCOMP_RET_*</c>).</summary>
    public void Return(uint action) => Emit(new(BpfInstruction.ReturnConstant, 0, 0, action));

    /// <summary>The program with every jump resolved. Throws <see cref="InvalidOperationException"/> for anything the kernel would reject.</summary>
    public BpfInstruction[] Assemble()
    {
        if (_code.Count == 0 || !_code[^1].Instruction.IsReturn)
            throw new InvalidOperationException("A BPF program must end with a return.");
        if (_code.Count > MaxInstructions)
            throw new InvalidOperationException($"The BPF program has {_code.Count} instructions; the kernel takes at most {MaxInstructions}.");
        var program = new BpfInstruction[_code.Count];
        for (var i = 0; i < _code.Count; i++)
        {
            var (instruction, whenTrue, whenFalse) = _code[i];
            program[i] = instruction.IsConditionalJump
                ? instruction with { JumpTrue = Offset(i, whenTrue), JumpFalse = Offset(i, whenFalse) }
                : instruction;
        }
        return program;
    }

    private void Emit(BpfInstruction instruction, string? whenTrue = null, string? whenFalse = null) =>
        _code.Add((instruction, whenTrue, whenFalse));

    private byte Offset(int from, string? label)
    {
        if (label is null)
            return 0;
        if (!_labels.TryGetValue(label, out var target))
            throw new InvalidOperationException($"BPF label '{label}' is never bound.");
        if (target >= _code.Count)
            throw new InvalidOperationException($"BPF label '{label}' is bound past the last instruction.");
        var offset = target - from - 1;
        return offset is >= 0 and <= byte.MaxValue
            ? (byte)offset
            : throw new InvalidOperationException($"BPF jump from {from} to '{label}' ({target}) is {(offset < 0 ? "backwards" : "longer than 255 instructions")}; classic BPF cannot express it.");
    }
}
