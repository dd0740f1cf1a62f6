namespace PluginHost.Host.Isolation;

/// <summary>
/// What the host tells a worker to confine itself with (the last field of <see cref="WorkerStart"/>), decided by the
/// host from the configuration and what the kernel offers (<see cref="WorkerSandboxes"/>). The plugin's capabilities
/// and folder come from <see cref="WorkerStart.Policy"/>. Absent: the worker runs unconfined.
/// </summary>
internal sealed class WorkerSandboxSpec
{
    /// <summary>The Landlock ABI to use; 0: none (the kernel has no Landlock).</summary>
    public int LandlockAbi { get; set; }

    /// <summary>Whether to install the plugin's seccomp filter once CPython is up.</summary>
    public bool Seccomp { get; set; }

    /// <summary>Whether the worker may enter a network namespace of its own (it does when the plugin lacks <c>network</c>).</summary>
    public bool PrivateNetwork { get; set; }

    /// <summary>Syscalls the filter leaves alone (<c>PluginHost:Sandbox:AllowSyscalls</c>).</summary>
    public List<string> AllowSyscalls { get; set; } = [];

    /// <summary>RLIMIT_NOFILE, soft and hard.</summary>
    public int OpenFiles { get; set; }

    /// <summary>RLIMIT_AS above the address space the worker has once CPython is up; null: no limit.</summary>
    public long? AddressSpaceBytes { get; set; }
}
