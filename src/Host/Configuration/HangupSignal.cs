using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Lifecycle.Live;

namespace PluginHost.Host.Configuration;

/// <summary>
/// SIGHUP, the daemon convention for "re-read your configuration" (systemd's <c>ExecReload=kill -HUP $MAINPID</c>):
/// re-reads the settings files and plugin folders and applies what changed (<see cref="LiveReconfiguration"/>), also
/// retrying a plugin version that was rolled back. The runtime's default action would end the host at once.
/// </summary>
internal sealed class HangupSignal(LiveReconfiguration live, ILogger<HangupSignal> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.HangupReceived();
            live.Request("SIGHUP", force: true);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
