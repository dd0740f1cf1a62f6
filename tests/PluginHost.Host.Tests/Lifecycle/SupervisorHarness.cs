using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Sdk.HostFunctions;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>Real plugin folders on disk, a real supervisor over the shared runtime, and captured logs.</summary>
internal sealed class SupervisorHarness : IAsyncDisposable
{
    private readonly PluginFolders _folders = new();
    private PluginSupervisor? _supervisor;

    public SupervisorHarness(IRuntimeAccess runtime) => Runtime = runtime;

    public IRuntimeAccess Runtime { get; }

    public CapturedLogs Logs { get; } = new();

    /// <summary>Restarts are off unless a test turns them on, so a failure's own outcome stays observable.</summary>
    public PluginHostOptions Options { get; } = new()
    {
        StartTimeout = TimeSpan.FromSeconds(30),
        StopTimeout = TimeSpan.FromSeconds(10),
        Restart = new RestartOptions { Enabled = false },
    };

    public BrokerOptions BrokerOptions { get; } = new();

    /// <summary>The kernel sandbox's settings (worker processes confine themselves by default).</summary>
    public SandboxOptions Sandbox { get; } = new();

    /// <summary>Functions the host provides to plugins (add before start).</summary>
    public List<IHostFunctions> HostFunctions { get; } = [];

    /// <summary>The broker the plugins talk through, made on start (so tests can set <see cref="BrokerOptions"/> first).</summary>
    public MessageBroker Broker { get; private set; } = null!;

    public string Root => _folders.Root;

    /// <summary>A plugin folder <paramref name="name"/> with a manifest and main.py holding <paramref name="source"/>.</summary>
    public string Plugin(string name, string source, string? extraManifest = null)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name, extra: extraManifest));
        File.WriteAllText(Path.Combine(folder, "main.py"), source);
        return folder;
    }

    public void WriteFile(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public async Task<PluginSupervisor> StartAsync()
    {
        Options.PluginDirectories = [Root];
        Broker = new MessageBroker(BrokerOptions, Logs.CreateLogger<MessageBroker>(), new InProcessTransport());
        _supervisor = new PluginSupervisor(Runtime, new PluginCatalog(Options, Root), Microsoft.Extensions.Options.Options.Create(Options), Broker, Logs,
            new HostFunctionRegistry(HostFunctions, Logs, Broker), sandbox: Microsoft.Extensions.Options.Options.Create(Sandbox));
        await _supervisor.StartAsync(CancellationToken.None);
        return _supervisor;
    }

    public PluginStatus Status(string plugin, int instance = 0) =>
        _supervisor!.Statuses.Single(s => s.Plugin == plugin && s.Instance == instance);

    public IEnumerable<string> PluginMessages(string plugin) => Logs.For($"PluginHost.Plugins.{plugin}").Select(r => r.Message);

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
            await _supervisor.StopAsync(CancellationToken.None);
        _folders.Dispose();
    }
}
