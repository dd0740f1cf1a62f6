using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Sandbox.Seccomp;

/// <summary>
/// Syscalls denied together, for one reason, unless a plugin holds one of the capabilities in <see cref="UnlockedBy"/>
/// (<see cref="Capability.None"/>: denied whatever is granted). The name is what the start-up log and the docs say.
/// </summary>
internal sealed record SyscallGroup(string Name, string Why, Capability UnlockedBy)
{
    public bool IsAlwaysDenied => UnlockedBy == Capability.None;
}

/// <summary>
/// One syscall of a group, denied when <see cref="When"/> holds, with <see cref="Errno"/> (EPERM, or ENOSYS where the
/// caller should fall back). <see cref="Display"/> says it as the log and docs do: "clone without CLONE_THREAD".
/// </summary>
internal sealed record SyscallCheck(string Syscall, int Number, ArgumentTest When, SyscallGroup Group, string Display, int Errno = Native.Kernel.EPERM);
