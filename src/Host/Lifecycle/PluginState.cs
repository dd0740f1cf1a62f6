namespace PluginHost.Host.Lifecycle;

/// <summary>Where a plugin instance is in its life. Failed carries the error in <see cref="PluginStatus"/>.</summary>
internal enum PluginState
{
    Pending,
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
}

/// <summary>A snapshot of one plugin instance for `pluginhost list`, health and metrics.</summary>
internal sealed record PluginStatus(string Plugin, int Instance, PluginState State, long? InterpreterId, string? Error);
