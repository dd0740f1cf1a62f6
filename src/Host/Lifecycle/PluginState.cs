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
/// Memory is the last sample taken on the instance's own thread: bytes in live blocks and in arenas of its
/// interpreter's own allocator (tracemalloc cannot be loaded in an isolated interpreter; see docs/reliability.md).
/// </summary>
internal sealed record PluginStatus(string Plugin, int Instance, PluginState State, long? InterpreterId, string? Error)
{
    public int Restarts { get; init; }

    public int RestartAttempt { get; init; }

    public DateTimeOffset? NextStart { get; init; }

    public long? AllocatedBytes { get; init; }

    public long? ArenaBytes { get; init; }
}
