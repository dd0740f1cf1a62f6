namespace PluginHost.Host.Sandbox.Confinement;

/// <summary>Whether <c>pluginhost check</c> ran confined by the kernel, and how; or why not.</summary>
internal sealed record SandboxReport
{
    public bool Confined { get; init; }

    /// <summary>Why it was not confined (the opt-out, configuration, or what the kernel lacks).</summary>
    public string? Reason { get; init; }

    public int? LandlockAbi { get; init; }

    /// <summary>Paths the process may read (and execute, where the runtime needs it).</summary>
    public IReadOnlyList<string> Readable { get; init; } = [];

    /// <summary>Paths the process may write.</summary>
    public IReadOnlyList<string> Writable { get; init; } = [];

    /// <summary>TCP bind and connect: denied, allowed (network), or not restricted (Landlock ABI before 4).</summary>
    public string? Tcp { get; init; }

    /// <summary>The seccomp filter's denied groups (docs/kernel-backstop.md).</summary>
    public IReadOnlyList<string> SeccompDenies { get; init; } = [];

    public bool NoNewPrivileges { get; init; }

    /// <summary>No effective, permitted, inheritable or ambient capability (from /proc/self/status).</summary>
    public bool NoCapabilities { get; init; }

    /// <summary>The bounding set is empty too (only when the process that confined itself held CAP_SETPCAP).</summary>
    public bool EmptyBoundingSet { get; init; }

    /// <summary>What this kernel's Landlock ABI cannot enforce.</summary>
    public IReadOnlyList<string> Limits { get; init; } = [];

    public static SandboxReport NotConfined(string reason) => new() { Reason = reason };

    /// <summary>One line for the text report.</summary>
    public string Describe()
    {
        if (!Confined)
            return $"not confined: {Reason}";
        var write = Writable.Count == 0 ? "nothing" : string.Join(", ", Writable);
        var capabilities = NoCapabilities ? EmptyBoundingSet ? "no capabilities (bounding set empty)" : "no capabilities" : "capabilities LEFT";
        var limits = Limits.Count == 0 ? "" : $"; {string.Join("; ", Limits)}";
        return $"confined by the kernel: Landlock ABI {LandlockAbi} (read {Readable.Count} paths, write {write}; TCP {Tcp}), "
            + $"seccomp (denies {SeccompDenies.Count} groups), {capabilities}, {(NoNewPrivileges ? "no_new_privs" : "no_new_privs NOT set")}{limits}";
    }
}
