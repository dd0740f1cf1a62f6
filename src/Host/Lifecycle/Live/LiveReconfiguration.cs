using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// Applies changes while the host runs: a settings file saved, a plugin folder changing, or SIGHUP
/// (<see cref="Request"/>). Requests that come close together are applied once, after <see cref="ReloadOptions.Delay"/>
/// of quiet, once the host has started; each is read and checked whole (<see cref="LiveConfiguration"/>), then handed to the supervisor, one at a time.
/// </summary>
internal sealed class LiveReconfiguration(
    IConfiguration configuration,
    IHostEnvironment environment,
    PluginSupervisor supervisor,
    SettingsReloadGuard guard,
    IHostApplicationLifetime lifetime,
    ILogger<LiveReconfiguration> logger) : BackgroundService
{
    // Keys a running host cannot change: the broker, the kernel sandbox and CPython are set up once, at start, and the
    // generic host's own stop limit is derived from StopTimeout then.
    private static readonly string[] RestartOnly = ["PluginHost:Broker", "PluginHost:Sandbox", "PluginHost:StatusFile", "PluginHost:StopTimeout", "Python"];

    private readonly Channel<(string Why, bool Force)> _requests = Channel.CreateUnbounded<(string, bool)>();
    private readonly FolderWatch _folders = new();
    private readonly FolderWatch _settingsFiles = new();
    private Dictionary<string, string?> _atStart = [];

    /// <summary>Re-read configuration and plugin folders; <paramref name="force"/> (SIGHUP) also retries a rolled-back version.</summary>
    public void Request(string why, bool force = false) => _requests.Writer.TryWrite((why, force));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        guard.Started = true;   // from now on a settings file that fails to parse is reported here, not thrown on a watcher's thread
        _atStart = RestartOnlyValues();
        _folders.Changed = folder => Request($"plugin folder {folder} changed");
        _folders.Failed = (folder, error) => logger.CannotWatch(folder, error);
        _settingsFiles.Changed = file => Request($"settings file {file} changed");
        _settingsFiles.Failed = (file, error) => logger.CannotWatch(file, error);
        Watch();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Watching began before the plugins started; what changed meanwhile is applied once they have.
            await WhenStarted(stoppingToken);
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
        _settingsFiles.Dispose();
        _folders.Dispose();
        _requests.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _settingsFiles.Dispose();
        _folders.Dispose();
        base.Dispose();
    }

    private Task WhenStarted(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
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
            (configuration as IConfigurationRoot)?.Reload();   // the settings files as saved now
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

    /// <summary>The settings files, the plugin directories and each configured plugin path, while Reload:Watch is on.</summary>
    private void Watch()
    {
        var options = supervisor.Options;
        var watch = options.Reload.Watch;
        var folders = watch
            ? options.PluginDirectories.Concat(options.Plugins.Values.Select(p => p.Path).OfType<string>())
                .Select(path => new FolderWatch.Target(Path.GetFullPath(path, environment.ContentRootPath)))
            : [];
        _folders.Watch(folders);
        var files = watch && configuration is IConfigurationRoot root
            ? root.Providers.OfType<JsonConfigurationProvider>()
                .Select(p => SettingsFile(p.Source))
                .OfType<string>()
                .Select(file => new FolderWatch.Target(Path.GetDirectoryName(file)!, Path.GetFileName(file)))
            : [];
        _settingsFiles.Watch(files);
    }

    // Where a settings file is, whether it exists yet or not (appsettings.{Environment}.json may be created later).
    private static string? SettingsFile(FileConfigurationSource source) =>
        source is { Path: { } path, FileProvider: PhysicalFileProvider physical } ? Path.Combine(physical.Root, path) : null;

    // AsEnumerable includes the section's own key: a single value (StopTimeout) is its only entry.
    private Dictionary<string, string?> RestartOnlyValues() =>
        RestartOnly.SelectMany(section => configuration.GetSection(section).AsEnumerable())
            .Where(pair => pair.Value is not null)
            .DistinctBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    private List<string> ChangedRestartOnly()
    {
        var now = RestartOnlyValues();
        return [.. now.Keys.Union(_atStart.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => now.GetValueOrDefault(key) != _atStart.GetValueOrDefault(key))
            .Order(StringComparer.OrdinalIgnoreCase)];
    }
}
