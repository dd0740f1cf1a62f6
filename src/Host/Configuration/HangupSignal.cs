using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Configuration;

/// <summary>
/// SIGHUP, the daemon convention for "re-read your configuration" (systemd's <c>ExecReload=kill -HUP $MAINPID</c>):
/// the runtime's default action would end the host at once, without a stop. Until configuration can change live it
/// is caught and answered with one log line saying that a restart applies changes.
/// </summary>
internal sealed class HangupSignal(ILogger<HangupSignal> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.HangupIgnored();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
