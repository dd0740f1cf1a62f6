using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Interpreter;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Benchmarks.Benchmarks.Broker;

/// <summary>
/// Real plugins as the host runs them: plugin folders (plugin.json + main.py) in a temporary directory, a
/// <see cref="MessageBroker"/> with default <see cref="BrokerOptions"/> and the in-process transport, and a
/// <see cref="PluginSupervisor"/> over the benchmark's one runtime. Started once per case; disposing stops every
/// plugin and removes the folder.
/// </summary>
internal sealed class BrokerRig : IAsyncDisposable
{
    /// <summary>Long enough for a whole timed loop inside one plugin request.</summary>
    public static readonly TimeSpan LongTimeout = TimeSpan.FromMinutes(10);

    private readonly string _root;
    private readonly ILoggerFactory _loggers;
    private readonly PluginSupervisor _supervisor;

    private BrokerRig(string root, ILoggerFactory loggers, MessageBroker broker, PluginSupervisor supervisor)
    {
        _root = root;
        _loggers = loggers;
        Broker = broker;
        _supervisor = supervisor;
    }

    public MessageBroker Broker { get; }

    /// <summary>Writes the plugins, starts them all and checks that every instance is running.</summary>
    /// <param name="hostFunctions">Host functions the plugins may call when their capabilities grant them.</param>
    public static async Task<BrokerRig> StartAsync(BenchContext context, IEnumerable<BenchPlugin> plugins, IEnumerable<IHostFunctions>? hostFunctions = null)
    {
        var brokerOptions = new BrokerOptions();
        if (context.Options.InboxCapacity is { } capacity)
            brokerOptions.InboxCapacity = capacity;
        var root = Directory.CreateTempSubdirectory("pluginhost-bench-").FullName;
        var loggers = LoggerFactory.Create(b => b.AddProvider(new BenchLoggerProvider(context.Log)).SetMinimumLevel(LogLevel.Warning));
        try
        {
            foreach (var plugin in plugins)
                plugin.WriteTo(root);
            var options = new PluginHostOptions
            {
                PluginDirectories = [root],
                StartTimeout = TimeSpan.FromSeconds(30),
                StopTimeout = TimeSpan.FromSeconds(10),
                // The benchmark's control handlers run a whole timed loop (seconds, more on a slow machine).
                HandlerTimeout = LongTimeout,
            };
            var broker = new MessageBroker(brokerOptions, loggers.CreateLogger<MessageBroker>(), new InProcessTransport());
            var supervisor = new PluginSupervisor(
                new RuntimeAccess(context.Runtime), new PluginCatalog(options, root), Microsoft.Extensions.Options.Options.Create(options), broker, loggers,
                new HostFunctionRegistry(hostFunctions ?? [], loggers, broker));
            var rig = new BrokerRig(root, loggers, broker, supervisor);
            await supervisor.StartAsync(CancellationToken.None).ConfigureAwait(false);
            var failed = supervisor.Statuses.Where(s => s.State != PluginState.Running).ToList();
            if (failed.Count > 0 || supervisor.Statuses.Count == 0)
            {
                await rig.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException("Benchmark plugins did not start: " +
                    string.Join("; ", failed.Select(s => $"{s.Plugin}/{s.Instance} {s.State}: {s.Error}")));
            }
            return rig;
        }
        catch
        {
            TryDelete(root);
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>Sends a JSON request to plugin <paramref name="to"/> (its <c>on_message</c>) and returns the reply's JSON.</summary>
    public async Task<JsonElement> RequestAsync(string to, string topic, object payload, TimeSpan? timeout = null)
    {
        var reply = await Broker.RequestAsync(Json(topic, payload) with { To = to }, timeout ?? LongTimeout).ConfigureAwait(false);
        return Parse(reply);
    }

    /// <summary>Collects the next <paramref name="count"/> messages on <paramref name="topic"/> (JSON payloads).</summary>
    public Collector Collect(string topic, int count) => new(Broker, topic, count);

    public static Message Json(string topic, object payload) => new()
    {
        Topic = topic,
        Payload = JsonSerializer.SerializeToUtf8Bytes(payload),
        ContentType = ContentTypes.Json,
        Sender = "benchmark",
    };

    public static JsonElement Parse(Message message)
    {
        if (message.ContentType != ContentTypes.Json)
            throw new InvalidOperationException($"Expected a JSON payload on '{message.Topic}', got {message.ContentType}.");
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _supervisor.StopAsync(CancellationToken.None).ConfigureAwait(false);
        Broker.Dispose();
        _loggers.Dispose();
        TryDelete(_root);
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A .NET subscription (<see cref="IMessageBus.Subscribe"/>) that completes once it has seen enough messages.</summary>
    internal sealed class Collector : IDisposable
    {
        private readonly ConcurrentQueue<JsonElement> _seen = new();
        private readonly TaskCompletionSource<IReadOnlyList<JsonElement>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly IDisposable _subscription;
        private readonly int _count;
        private readonly string _topic;

        public Collector(MessageBroker broker, string topic, int count)
        {
            _count = count;
            _topic = topic;
            _subscription = ((IMessageBus)broker).Subscribe(topic, (message, _) =>
            {
                _seen.Enqueue(Parse(message));
                if (_seen.Count >= _count)
                    _done.TrySetResult(_seen.ToArray());
                return ValueTask.FromResult<Message?>(null);
            });
        }

        public async Task<IReadOnlyList<JsonElement>> WaitAsync(TimeSpan timeout)
        {
            try
            {
                return await _done.Task.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Saw {_seen.Count} of {_count} '{_topic}' messages within {timeout}.");
            }
        }

        public void Dispose() => _subscription.Dispose();
    }

    internal sealed class RuntimeAccess(PythonRuntime runtime) : IRuntimeAccess
    {
        public PythonRuntime Runtime => runtime;
    }
}

/// <summary>One plugin folder: <c>name/plugin.json</c> and <c>name/main.py</c>; <see cref="Isolation"/> null: the default (a subinterpreter).</summary>
internal sealed record BenchPlugin(string Name, string Source, string? Subscriptions = null, string? Capabilities = null, string? Isolation = null,
    int? MaxConcurrency = null)
{
    public void WriteTo(string root)
    {
        var folder = Path.Combine(root, Name);
        Directory.CreateDirectory(folder);
        var subscriptions = Subscriptions is null ? "" : $", \"subscriptions\": [\"{Subscriptions}\"]";
        var capabilities = Capabilities is null ? "" : $", \"capabilities\": [\"{Capabilities}\"]";
        var isolation = Isolation is null ? "" : $", \"isolation\": \"{Isolation}\"";
        var concurrency = MaxConcurrency is null ? "" : $", \"maxConcurrency\": {MaxConcurrency}";
        File.WriteAllText(Path.Combine(folder, "plugin.json"), $$"""{ "name": "{{Name}}", "version": "1.0.0", "entry": "main"{{subscriptions}}{{capabilities}}{{isolation}}{{concurrency}} }""");
        File.WriteAllText(Path.Combine(folder, "main.py"), Source);
    }
}
