using System.Runtime.InteropServices;

namespace PluginHost.Host.Isolation;

/// <summary>
/// A worker or the spawner ends when the host says so (an End frame, the channel or stdin closing), never on a stop
/// signal of its own: SIGTERM and SIGINT reach the whole process group or cgroup — Ctrl+C in a terminal, systemd's
/// default <c>KillMode=control-group</c>, <c>timeout</c> — and ending there would kill a plugin before the host has
/// drained it and run its <c>teardown()</c>, and count as a crash to restart.
/// </summary>
internal static class StopSignals
{
    /// <summary>Ignores SIGTERM, SIGINT and SIGQUIT until the result is disposed.</summary>
    public static IDisposable Ignore() => new Registrations(
        [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, static c => c.Cancel = true))]);

    private sealed class Registrations(PosixSignalRegistration[] all) : IDisposable
    {
        public void Dispose()
        {
            foreach (var one in all)
                one.Dispose();
        }
    }
}
