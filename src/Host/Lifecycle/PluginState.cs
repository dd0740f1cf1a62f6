namespace PluginHost.Host.Lifecycle;

/// <summary>Where a plugin instance is in its life. Failed carries the error in <see cref="PluginStatus"/>.</summary>
internal enum PluginState
{
    Pending,
    Starting,
    Running,
    /// <summary>Its interpreter failed or was retired; a fresh one starts after the backoff delay. Messages wait in its inbox.</summary>
    Restarting,
    Stopping,
    Stopped,
    Failed,
}

/// <summary>
/// A snapshot of one plugin instance for health, logs and metrics. <see cref="RestartAttempt"/> and
/// <see cref="NextStart"/> describe the restart in progress (Restarting); <see cref="Restarts"/> counts all of them.
/// Memory is what the instance holds (docs/reliability.md): its interpreter's own allocator's live blocks and arenas
/// (the last sample, taken on its own thread), its large blocks (objects over 512 bytes), the received payloads its
/// Message objects keep and the payloads waiting in its inbox; <see cref="MemoryBytes"/> adds them up.
/// </summary>
internal sealed record PluginStatus(string Plugin, int Instance, PluginState State, long? InterpreterId, string? Error)
{
    public int Restarts { get; init; }

    /// <summary>Interpreters the instance left running because they could not be ended (stuck in C, threads that would not stop).</summary>
    public int Abandoned { get; init; }

    public int RestartAttempt { get; init; }

    public DateTimeOffset? NextStart { get; init; }

    public long? AllocatedBytes { get; init; }

    public long? ArenaBytes { get; init; }

    /// <summary>The interpreter's blocks from the raw allocator (objects over 512 bytes); null when not tracked (Python:TrackLargeAllocations).</summary>
    public long? LargeBytes { get; init; }

    /// <summary>Payload bytes of received messages its Python code still holds (its <c>pluginhost.Message</c> objects).</summary>
    public long MessageBytes { get; init; }

    /// <summary>Payload bytes waiting in the instance's inbox.</summary>
    public long InboxBytes { get; init; }

    /// <summary>A worker's own resident memory (isolation process), last sample; null in-process.</summary>
    public long? ResidentBytes { get; init; }

    /// <summary>Deliveries into its inbox so far (retries again), over all its interpreters.</summary>
    public long Received { get; init; }

    /// <summary>Handler runs that returned.</summary>
    public long Handled { get; init; }

    /// <summary>Handler runs that raised, retries included.</summary>
    public long Failed { get; init; }

    /// <summary>Messages and requests it sent that the broker accepted.</summary>
    public long Sent { get; init; }

    /// <summary>Messages waiting in its inbox (the inbox depth).</summary>
    public int Waiting { get; init; }

    /// <summary>What the instance holds: small and large blocks, kept and waiting payloads; null before its first sample.</summary>
    public long? MemoryBytes => AllocatedBytes is null && LargeBytes is null ? null : (AllocatedBytes ?? 0) + (LargeBytes ?? 0) + MessageBytes + InboxBytes;
}
