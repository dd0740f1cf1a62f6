using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.Sandbox;
using PluginHost.Host.Sandbox.Native;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The host's side of the worker processes' kernel sandbox (<see cref="WorkerSandbox"/>): decides once, from
/// <c>PluginHost:Sandbox</c> and what the kernel offers, what every worker confines itself with, and says once in the
/// log what that is and what the kernel lacks. One per host.
/// </summary>
internal sealed class WorkerSandboxes(SandboxOptions options, ILogger logger)
{
    /// <summary>What a worker's address-space limit allows beyond twice MemoryLimitMiB: reservations that need not become resident (thread stacks, malloc arenas).</summary>
    public const long AddressSpaceSlack = 1L << 30;

    private readonly Lazy<WorkerSandboxSpec?> _decided = new(() => Decide(options, logger));

    /// <summary>Whether workers confine themselves (<c>PluginHost:Sandbox:Enabled</c>); the host's own filter is on too then.</summary>
    public bool Enabled => options.Enabled;

    /// <summary>
    /// The spawner that starts workers outside the host's kernel backstop (started before it), when there is one;
    /// null: the host starts them itself.
    /// </summary>
    public WorkerSpawner? Spawner { get; set; }

    /// <summary>
    /// What the worker for a plugin governed by <paramref name="policy"/> confines itself with; null: nothing (the
    /// sandbox is off, or the instance is ungoverned). Throws <see cref="InvalidOperationException"/> when
    /// <c>PluginHost:Sandbox:Required</c> is set and the kernel lacks part of it.
    /// </summary>
    public WorkerSandboxSpec? For(InterpreterPolicy? policy, long? memoryLimitBytes)
    {
        if (policy is null || _decided.Value is not { } decided)
            return null;
        return new WorkerSandboxSpec
        {
            LandlockAbi = decided.LandlockAbi,
            Seccomp = decided.Seccomp,
            PrivateNetwork = decided.PrivateNetwork,
            AllowSyscalls = decided.AllowSyscalls,
            OpenFiles = decided.OpenFiles,
            // The host restarts a worker over MemoryLimitMiB by sampling; the kernel stops at once what sampling cannot
            // catch in time (one allocation of many GiB), leaving room for address space that never becomes resident.
            AddressSpaceBytes = memoryLimitBytes is { } limit ? 2 * limit + AddressSpaceSlack : null,
        };
    }

    private static WorkerSandboxSpec? Decide(SandboxOptions options, ILogger logger)
    {
        if (!options.Enabled)
        {
            logger.WorkerSandboxDisabled($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Enabled)}");
            return null;
        }
        var (abi, landlock) = KernelSupport.Landlock();
        var seccomp = KernelSupport.SeccompUnavailable();
        var network = PrivateNetworkUnavailable();
        var lacking = new List<(string Feature, string Reason, string Consequence)>();
        if (landlock is not null)
            lacking.Add(("Landlock", landlock, "Files are governed by the audit hook alone, and TCP of a plugin without network only by its network namespace."));
        if (seccomp is not null)
            lacking.Add(("seccomp", seccomp, "What the filter would deny (ptrace, fork, raw sockets, ...) is stopped by the audit hook alone, which native code bypasses."));
        if (network is not null)
            lacking.Add(("a private network namespace", network, "A worker without network is kept off TCP by Landlock only; UDP reaches the network."));
        if (lacking.Count > 0 && options.Required)
        {
            throw new InvalidOperationException($"{SandboxOptions.SectionName}:{nameof(SandboxOptions.Required)} is true, but the worker sandbox lacks "
                + string.Join("; ", lacking.Select(l => $"{l.Feature}: {l.Reason}")));
        }
        foreach (var (feature, reason, consequence) in lacking)
            logger.WorkerSandboxLacking(feature, reason, consequence);

        var spec = new WorkerSandboxSpec
        {
            LandlockAbi = abi,
            Seccomp = seccomp is null,
            PrivateNetwork = network is null,
            AllowSyscalls = [.. options.AllowSyscalls],
            OpenFiles = options.WorkerOpenFiles,
        };
        logger.WorkerSandbox(string.Join(", ", new[]
        {
            abi > 0 ? $"Landlock ABI {abi} (the plugin's folder, grants and the runtimes; TCP only with network)" : null,
            spec.Seccomp ? "the plugin's seccomp filter" : null,
            spec.PrivateNetwork ? "a network namespace of its own without network" : null,
            "no_new_privs, no capabilities",
            $"RLIMIT_NOFILE {spec.OpenFiles}, RLIMIT_CORE 0, RLIMIT_AS from MemoryLimitMiB where set",
        }.Where(p => p is not null)));
        return spec;
    }

    // unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN; without it a user namespace would be needed first, which a
    // multi-threaded process (any .NET one) cannot enter.
    private static string? PrivateNetworkUnavailable()
    {
        if (!Kernel.IsSupportedArchitecture)
            return "the worker sandbox is written for x86-64 Linux";
        if (!File.Exists("/proc/self/ns/net"))
            return "the kernel has no network namespaces";
        return Capabilities.HasEffective(Kernel.CAP_SYS_ADMIN) ? null : "the host lacks CAP_SYS_ADMIN, which unshare(CLONE_NEWNET) needs";
    }
}
