using PluginHost.Host.Sandbox.Bpf;
using PluginHost.Host.Sandbox.Seccomp;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary>
/// Which groups a filter denies for which grants, and the assembler's refusals. What the kernel then does with the
/// program is tested through real syscalls (ProcessBackstopTests, CheckConfinementTests).
/// </summary>
public sealed class SeccompFilterTests
{
    private static IEnumerable<string> Denied(Capability granted, params string[] exempt) =>
        SeccompFilter.Build(granted, 4242, exempt).DeniedGroups.Select(g => g.Name);

    [Fact]
    public void WithNoCapabilityEveryGroupIsDenied()
    {
        Assert.Equal(SyscallRules.Groups.Select(g => g.Name), Denied(Capability.None));
    }

    [Fact]
    public void ProcessSpawnAllowsWhatChildProcessesNeedToo()
    {
        var denied = Denied(Capability.ProcessSpawn).ToList();

        // Children inherit the filter: they chdir, start sessions and signal their own children.
        Assert.DoesNotContain("process creation", denied);
        Assert.DoesNotContain("working directory", denied);
        Assert.DoesNotContain("sessions and process groups", denied);
        Assert.DoesNotContain("signals to other processes", denied);
        Assert.Contains("user and group ids", denied);
        Assert.Contains("other processes' memory", denied);
    }

    [Fact]
    public void ProcessControlAllowsProcessWideSettingsButNotProcessCreation()
    {
        var denied = Denied(Capability.ProcessControl).ToList();

        Assert.DoesNotContain("namespaces", denied);
        Assert.DoesNotContain("resource limits", denied);
        Assert.Contains("process creation", denied);
        Assert.Contains("working directory", denied);
    }

    [Fact]
    public void NoCapabilityUnlocksTheAlwaysDeniedGroups()
    {
        var all = Enum.GetValues<Capability>().Aggregate((a, b) => a | b);

        Assert.Equal(SyscallRules.Groups.Where(g => g.IsAlwaysDenied).Select(g => g.Name), Denied(all));
    }

    [Fact]
    public void AnExemptedSyscallLeavesTheFilterWhileTheRestOfItsGroupStays()
    {
        var filter = SeccompFilter.Build(Capability.None, 4242, ["ptrace"]);

        Assert.DoesNotContain(filter.Checks, c => c.Syscall == "ptrace");
        Assert.Contains(filter.Checks, c => c.Syscall == "process_vm_readv");
        Assert.Equal(["ptrace"], filter.Exempted);
    }

    [Fact]
    public void TheProgramChecksTheArchitectureFirstAndAllowsWhatNoCheckMatches()
    {
        var program = SeccompFilter.Build(Capability.None, 4242).Program;

        Assert.Equal(new BpfInstruction(BpfInstruction.LoadWordAbsolute, 0, 0, SeccompData.Architecture), program[0]);
        Assert.Equal(SeccompData.ArchitectureX8664, program[1].K);
        Assert.Equal(new BpfInstruction(BpfInstruction.ReturnConstant, 0, 0, 0x7fff0000), program[^1]);
        Assert.InRange(program.Count, 100, BpfAssembler.MaxInstructions);
    }

    [Fact]
    public void TheAssemblerRefusesWhatTheKernelWould()
    {
        var unbound = new BpfAssembler();
        unbound.LoadWord(0);
        unbound.JumpIfEqual(1, "nowhere");
        unbound.Return(0);
        Assert.Contains("never bound", Assert.Throws<InvalidOperationException>(() => unbound.Assemble()).Message);

        var noReturn = new BpfAssembler();
        noReturn.LoadWord(0);
        Assert.Contains("must end with a return", Assert.Throws<InvalidOperationException>(() => noReturn.Assemble()).Message);

        var far = new BpfAssembler();
        far.JumpIfEqual(1, "end");
        for (var i = 0; i < 256; i++)
            far.LoadWord(0);
        far.Bind("end");
        far.Return(0);
        Assert.Contains("longer than 255", Assert.Throws<InvalidOperationException>(() => far.Assemble()).Message);
    }

    [Fact]
    public void TheAssemblerResolvesLabelsToRelativeOffsets()
    {
        var code = new BpfAssembler();
        code.LoadWord(0);
        code.JumpIfEqual(7, "deny", "allow");
        code.Bind("allow");
        code.Return(1);
        code.Bind("deny");
        code.Return(2);

        var program = code.Assemble();

        Assert.Equal((byte)1, program[1].JumpTrue);
        Assert.Equal((byte)0, program[1].JumpFalse);
    }
}
