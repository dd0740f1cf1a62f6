using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Lifecycle;

/// <summary>Writes the instances' states to <c>PluginHost:StatusFile</c> every 2 s while the host runs, and once after it stopped.</summary>
internal sealed class StatusFileWriter(PluginSupervisor supervisor, IOptions<PluginHostOptions> options, IHostEnvironment environment, ILogger<StatusFileWriter> logger)
    : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private string? Path => options.Value.StatusFile is { } file ? System.IO.Path.GetFullPath(file, environment.ContentRootPath) : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Path is null)
            return;
        using var timer = new PeriodicTimer(Period);
        do
        {
            WriteNow();
        }
        while (await NextTick(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Path is not null)
            WriteNow();
    }

    private static async Task<bool> NextTick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void WriteNow()
    {
        try
        {
            StatusFile.Write(Path!, new HostStatus(DateTimeOffset.UtcNow, Environment.ProcessId, supervisor.Statuses));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.StatusFileFailed(Path!, e.Message);
        }
    }
}
