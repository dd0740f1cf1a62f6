namespace PluginHost.Host.Configuration;

/// <summary>
/// Whether the host has started. Before, a settings file that does not parse stops the host (ConfigurationGate says
/// why); after, the framework's reload of a file being saved must not throw on its watcher's thread and end the
/// process: the live change reads the file itself and rejects it (LiveConfiguration).
/// </summary>
internal sealed class SettingsReloadGuard
{
    public volatile bool Started;
}
