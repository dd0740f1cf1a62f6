using PluginHost.Host.Sandbox.Bpf;
using PluginHost.Host.Sandbox.Native;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Sandbox.Seccomp;

/// <summary>
/// A seccomp filter that denies every check of <see cref="SyscallRules"/> whose group no granted capability unlocks,
/// compiled to classic BPF: first the architecture (anything but x86-64, and x32 calls, are denied: their numbers
/// mean other syscalls), then a binary search on the syscall number down to one block per denied syscall, which
/// returns an errno or allows; everything else is allowed.
/// </summary>
internal sealed class SeccompFilter
{
    private SeccompFilter(Capability granted, IReadOnlyList<SyscallCheck> checks, IReadOnlyList<string> exempted, BpfInstruction[] program)
    {
        Granted = granted;
        Checks = checks;
        Exempted = exempted;
        Program = program;
    }

    /// <summary>The capabilities the filter was built for (the union over the plugins it covers).</summary>
    public Capability Granted { get; }

    /// <summary>The checks in force.</summary>
    public IReadOnlyList<SyscallCheck> Checks { get; }

    /// <summary>Syscalls left out because the configuration exempts them (<c>PluginHost:Sandbox:AllowSyscalls</c>).</summary>
    public IReadOnlyList<string> Exempted { get; }

    public IReadOnlyList<BpfInstruction> Program { get; }

    /// <summary>The groups with at least one check in force, in <see cref="SyscallRules.Groups"/> order.</summary>
    public IEnumerable<SyscallGroup> DeniedGroups => SyscallRules.Groups.Where(g => Checks.Any(c => c.Group == g));

    /// <summary>The groups a granted capability unlocks.</summary>
    public IEnumerable<SyscallGroup> UnlockedGroups => SyscallRules.Groups.Where(g => (g.UnlockedBy & Granted) != 0);

    /// <summary>The filter for <paramref name="granted"/> in a process whose id is <paramref name="hostPid"/>.</summary>
    public static SeccompFilter Build(Capability granted, int hostPid, IReadOnlyCollection<string>? exempt = null)
    {
        exempt ??= [];
        var checks = SyscallRules.For(hostPid)
            .Where(c => (c.Group.UnlockedBy & granted) == 0 && !exempt.Contains(c.Syscall))
            .ToList();
        return new SeccompFilter(granted, checks, [.. exempt.Order(StringComparer.Ordinal)], Compile(checks));
    }

    private static BpfInstruction[] Compile(IReadOnlyList<SyscallCheck> checks)
    {
        var code = new BpfAssembler();
        var denied = Kernel.SECCOMP_RET_ERRNO | Kernel.EPERM;

        var native = code.NewLabel("x86-64");
        code.LoadWord(SeccompData.Architecture);
        code.JumpIfEqual(SeccompData.ArchitectureX8664, native);
        code.Return(denied);
        code.Bind(native);

        var numbers = code.NewLabel("numbers");
        code.LoadWord(SeccompData.Number);
        code.JumpIfAtLeast(SeccompData.X32SyscallBit, null, numbers);
        code.Return(denied);
        code.Bind(numbers);

        // A holds the syscall number from here on: a block that matches ends in a return, one that does not leaves A alone.
        var blocks = checks.GroupBy(c => c.Number).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        EmitTree(code, blocks, 0, blocks.Count);
        return code.Assemble();
    }

    /// <summary>
    /// Blocks [<paramref name="from"/>, <paramref name="to"/>) as a binary search on the syscall number, so that the
    /// syscalls nobody denies — futex, read, write, mmap: nearly all a process makes — pass after about seven
    /// comparisons instead of one per denied syscall. Each leaf tries its few blocks in turn and then allows.
    /// </summary>
    private static void EmitTree(BpfAssembler code, List<List<SyscallCheck>> blocks, int from, int to)
    {
        if (to - from <= 3)
        {
            for (var i = from; i < to; i++)
                EmitBlock(code, blocks[i][0].Number, blocks[i]);
            code.Return(Kernel.SECCOMP_RET_ALLOW);
            return;
        }
        var middle = (from + to) / 2;
        var upper = code.NewLabel($"from {blocks[middle][0].Syscall}");
        code.JumpIfAtLeast((uint)blocks[middle][0].Number, upper);
        EmitTree(code, blocks, from, middle);
        code.Bind(upper);
        EmitTree(code, blocks, middle, to);
    }

    private static void EmitBlock(BpfAssembler code, int number, IReadOnlyList<SyscallCheck> checks)
    {
        var next = code.NewLabel($"after {checks[0].Syscall}");
        code.JumpIfEqual((uint)number, null, next);
        if (checks.FirstOrDefault(c => c.When.IsAlways) is { } always)
        {
            code.Return(Kernel.SECCOMP_RET_ERRNO | (uint)always.Errno);
        }
        else
        {
            var deny = code.NewLabel("deny");
            var allow = code.NewLabel("allow");
            for (var i = 0; i < checks.Count; i++)
            {
                var miss = i == checks.Count - 1 ? allow : code.NewLabel("or");
                checks[i].When.Emit(code, deny, miss);
                if (miss != allow)
                    code.Bind(miss);
            }
            code.Bind(allow);
            code.Return(Kernel.SECCOMP_RET_ALLOW);
            code.Bind(deny);
            code.Return(Kernel.SECCOMP_RET_ERRNO | (uint)checks[0].Errno);
        }
        code.Bind(next);
    }

    /// <summary>
    /// Installs the filter on every thread of this process (see <see cref="Kernel.SeccompInstallOnAllThreads"/>).
    /// no_new_privs is set first only when the calling thread lacks CAP_SYS_ADMIN, which the kernel then requires:
    /// with it, the filter holds just the same (filters are inherited and cannot be removed), and programs a plugin
    /// with <c>process.spawn</c> starts keep working when they rely on setuid or file capabilities. Returns whether
    /// no_new_privs was set.
    /// </summary>
    public bool InstallOnAllThreads()
    {
        var setNoNewPrivileges = !Capabilities.HasEffective(Kernel.CAP_SYS_ADMIN);
        if (setNoNewPrivileges)
            Kernel.SetNoNewPrivileges();
        Kernel.SeccompInstallOnAllThreads([.. Program]);
        return setNoNewPrivileges;
    }
}
