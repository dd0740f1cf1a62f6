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
/// <remarks>
/// A host started with SIGHUP ignored (under <c>nohup</c>, or by a parent that ignores it: ignored signals survive
/// exec) would never see it, since the runtime leaves an inherited SIG_IGN alone: its default is restored first. The
/// signal still never ends the host, which is what ignoring it was for.
/// </remarks>
internal sealed partial class HangupSignal(LiveReconfiguration live, ILogger<HangupSignal> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux())
            UnignoreHangup();
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.HangupReceived();
            live.Request("SIGHUP", force: true);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private const int SIGHUP = 1;
    private static readonly nint SIG_DFL = 0, SIG_IGN = 1;

    /// <summary>SIG_IGN inherited for SIGHUP becomes SIG_DFL, before the runtime installs its handler; any other disposition is left alone.</summary>
    private static unsafe void UnignoreHangup()
    {
        // struct sigaction on x86-64 and arm64 glibc begins with the handler; 152 bytes, with room to spare here.
        var current = stackalloc nint[32];
        if (sigaction(SIGHUP, null, current) == 0 && current[0] == SIG_IGN)
            signal(SIGHUP, SIG_DFL);
    }

    [LibraryImport("libc.so.6")]
    private static unsafe partial int sigaction(int signal, nint* action, nint* previous);

    [LibraryImport("libc.so.6")]
    private static partial nint signal(int signal, nint handler);

    public void Dispose() => _registration?.Dispose();
}
