using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// Applies changes while the host runs: the settings files reloading, a plugin folder changing, or SIGHUP
/// (<see cref="Request"/>). Requests that come close together are applied once, after <see cref="ReloadOptions.Delay"/>
/// of quiet; each is read and checked whole (<see cref="LiveConfiguration"/>), then handed to the supervisor, one at a time.
/// </summary>
internal sealed class LiveReconfiguration(
    IConfiguration configuration,
    IHostEnvironment environment,
    PluginSupervisor supervisor,
    SettingsReloadGuard guard,
    ILogger<LiveReconfiguration> logger) : BackgroundService
{
    // Keys a running host cannot change: the broker, the kernel sandbox and CPython are set up once, at start.
    private static readonly string[] RestartOnly = ["PluginHost:Broker", "PluginHost:Sandbox", "PluginHost:StatusFile", "Python"];

    private readonly Channel<(string Why, bool Force)> _requests = Channel.CreateUnbounded<(string, bool)>();
    private readonly PluginFolderWatch _folders = new();
    private Dictionary<string, string?> _atStart = [];
    private IDisposable? _settingsWatch;
    private volatile bool _reloadingOurselves;

    /// <summary>Re-read configuration and plugin folders; <paramref name="force"/> (SIGHUP) also retries a rolled-back version.</summary>
    public void Request(string why, bool force = false) => _requests.Writer.TryWrite((why, force));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        guard.Started = true;   // from now on a settings file that fails to parse is reported here, not thrown on a watcher's thread
        _atStart = RestartOnlyValues();
        _settingsWatch = ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            if (!_reloadingOurselves && supervisor.Options.Reload.Watch)
                Request("a settings file changed");
        });
        _folders.Changed = folder => Request($"plugin folder {folder} changed");
        Watch();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _requests.Reader.WaitToReadAsync(stoppingToken))
            {
                var why = new List<string>();
                var force = false;
                do
                {
                    while (_requests.Reader.TryRead(out var request))
                    {
                        why.Add(request.Why);
                        force |= request.Force;
                    }
                }
                while (await MoreWithin(supervisor.Options.Reload.Delay, stoppingToken));
                await ApplyAsync(string.Join(", ", why.Distinct()), force);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _settingsWatch?.Dispose();
        _folders.Dispose();
        _requests.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _settingsWatch?.Dispose();
        _folders.Dispose();
        base.Dispose();
    }

    private async Task<bool> MoreWithin(TimeSpan quiet, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(quiet);
        try
        {
            return await _requests.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One live change; nothing here may stop the host: a failure is logged and the running configuration kept.</summary>
    private async Task ApplyAsync(string why, bool force)
    {
        logger.LiveChangeRequested(why);
        try
        {
            if (force && configuration is IConfigurationRoot root)
            {
                _reloadingOurselves = true;
                try
                {
                    root.Reload();
                }
                finally
                {
                    _reloadingOurselves = false;
                }
            }
            var read = LiveConfiguration.Read(configuration, environment.ContentRootPath);
            if (read.Problems.Count > 0)
            {
                logger.LiveChangeRejected(string.Join("; ", read.Problems));
                return;
            }
            foreach (var warning in read.Warnings)
                logger.ConfigurationWarning(warning);
            if (ChangedRestartOnly() is { Count: > 0 } keys)
                logger.NeedsRestart(string.Join(", ", keys));
            if (await supervisor.ApplyAsync(read.Options!, read.Discovery!, force) is not { } changes)
                return;   // the host is stopping
            logger.LiveChangeApplied(changes.Count == 0
                ? "nothing to change"
                : string.Join("; ", changes.Select(c => $"{c.Plugin}: {c.Kind.ToString().ToLowerInvariant()} ({c.Why})")));
            Watch();
        }
        catch (Exception e)
        {
            logger.LiveChangeRejected($"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The plugin directories and each configured plugin path, while Reload:Watch is on.</summary>
    private void Watch()
    {
        var options = supervisor.Options;
        var folders = options.Reload.Watch
            ? options.PluginDirectories.DefaultIfEmpty(PluginHostOptions.DefaultPluginDirectory)
                .Concat(options.Plugins.Values.Select(p => p.Path).OfType<string>())
                .Select(path => Path.GetFullPath(path, environment.ContentRootPath))
            : [];
        _folders.Watch(folders);
    }

    private Dictionary<string, string?> RestartOnlyValues() =>
        RestartOnly.SelectMany(section => configuration.GetSection(section).AsEnumerable().Prepend(new(section, configuration[section])))
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    private List<string> ChangedRestartOnly()
    {
        var now = RestartOnlyValues();
        return [.. now.Keys.Union(_atStart.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => now.GetValueOrDefault(key) != _atStart.GetValueOrDefault(key))
            .Order(StringComparer.OrdinalIgnoreCase)];
    }
}
