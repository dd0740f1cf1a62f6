namespace PluginHost.Host.Lifecycle;

/// <summary>
/// The moves a plugin instance's state may make (docs/architecture.md, "An instance outlives its interpreters"):
/// <code>
/// Pending → Starting → Running → Restarting → Starting …   (restart after the backoff)
/// Starting | Running | Restarting → Failed                  (no more restarts; a load error fails a Pending one)
/// Starting → Stopped                                        (sys.exit(0) while starting)
/// any but Stopping/Stopped → Stopping → Stopped             (the host stops)
/// </code>
/// Stopped is final; from Stopping only Stopped follows, so a failure that comes in late (a timer, a handler's
/// outcome) can never restart an instance being stopped.
/// </summary>
internal static class InstanceStates
{
    public static bool CanMove(PluginState from, PluginState to) => (from, to) switch
    {
        (PluginState.Pending, PluginState.Starting or PluginState.Failed) => true,
        (PluginState.Starting, PluginState.Running or PluginState.Restarting or PluginState.Failed) => true,
        (PluginState.Running, PluginState.Restarting or PluginState.Failed) => true,
        (PluginState.Restarting, PluginState.Starting or PluginState.Failed) => true,
        (not (PluginState.Stopping or PluginState.Stopped), PluginState.Stopping) => true,
        (PluginState.Pending or PluginState.Starting or PluginState.Restarting or PluginState.Stopping, PluginState.Stopped) => true,
        _ => false,
    };
}
