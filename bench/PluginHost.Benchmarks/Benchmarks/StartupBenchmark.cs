using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using PluginHost.Benchmarks.Benchmarks.Broker;
using PluginHost.Benchmarks.Infrastructure;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// Time until K plugins × I instances are all running, started by the real supervisor: one at a time
/// (PluginHost:MaxParallelStarts=1, the baseline) and in parallel (the default: the processor count), in the same
/// run over the same runtime; and the resident memory each running instance adds. Every case stops its plugins
/// before the next starts.
/// </summary>
public sealed class StartupBenchmark : IBenchmark
{
    private const int Plugins = 16;

    // What a small plugin does at import: a few standard modules, a handler.
    private const string Source = """
        import json, logging, time
        import pluginhost

        log = logging.getLogger(__name__)

        def setup(ctx):
            log.debug("instance %s ready", ctx.instance)

        def on_message(message):
            return json.dumps(message.payload)
        """;

    public string Name => "startup";

    public string Description => "time until 16 plugins x I instances run, parallel start vs one at a time; RSS per instance";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Warm-up: the first interpreters pay for file-system caches and the runtime's first imports.
        await StartAsync(context, instances: 2, parallel: 0);

        var sequential = await StartAsync(context, instances: 16, parallel: 1);
        var parallel = await StartAsync(context, instances: 16, parallel: 0);
        yield return new BenchResult(Name, "sequential (MaxParallelStarts=1)", 256, sequential.Seconds, "s") { Note = sequential.Note };
        yield return new BenchResult(Name, $"parallel (MaxParallelStarts={Environment.ProcessorCount})", 256, parallel.Seconds, "s")
        {
            Baseline = sequential.Seconds,
            Ratio = sequential.Seconds / parallel.Seconds,
            Note = parallel.Note,
        }.RatioAtLeast(1.7);
        yield return new BenchResult(Name, "resident memory per instance", 256, parallel.MiBPerInstance, "MiB");

        var large = await StartAsync(context, instances: 64, parallel: 0);
        yield return new BenchResult(Name, $"parallel (MaxParallelStarts={Environment.ProcessorCount})", 1024, large.Seconds, "s") { Note = large.Note }.AtMost(20);
        yield return new BenchResult(Name, "resident memory per instance", 1024, large.MiBPerInstance, "MiB");
    }

    private sealed record Measured(double Seconds, double MiBPerInstance, string Note);

    private static async Task<Measured> StartAsync(BenchContext context, int instances, int parallel)
    {
        var root = Directory.CreateTempSubdirectory("pluginhost-bench-startup-").FullName;
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new BenchLoggerProvider(context.Log)).SetMinimumLevel(LogLevel.Warning));
        var options = new PluginHostOptions
        {
            PluginDirectories = [root],
            StartTimeout = TimeSpan.FromMinutes(2),
            StopTimeout = TimeSpan.FromSeconds(60),
            MaxParallelStarts = parallel,
        };
        for (var k = 0; k < Plugins; k++)
        {
            var name = $"startup-{k:00}";
            new BenchPlugin(name, Source).WriteTo(root);
            options.Plugins[name] = new PluginOptions { Instances = instances };
        }
        using var broker = new MessageBroker(new BrokerOptions(), loggers.CreateLogger<MessageBroker>(), new InProcessTransport());
        var supervisor = new PluginSupervisor(new BrokerRig.RuntimeAccess(context.Runtime), new PluginCatalog(options, root),
            Microsoft.Extensions.Options.Options.Create(options), broker, loggers, new HostFunctionRegistry([], loggers, broker));
        try
        {
            var before = ProcessMemory.ResidentBytesAfterGc();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await supervisor.StartAsync(CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            // CPU time over wall time: how many cores the start kept busy (the machine may be shared).
            var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / seconds;
            var after = ProcessMemory.ResidentBytesAfterGc();
            var statuses = supervisor.Statuses;
            var running = statuses.Count(s => s.State == PluginState.Running);
            if (running != Plugins * instances)
                throw new InvalidOperationException($"startup: {running} of {Plugins * instances} instances running: "
                    + string.Join("; ", statuses.Where(s => s.State != PluginState.Running).Take(3).Select(s => $"{s.Plugin}/{s.Instance} {s.State}: {s.Error}")));
            var perInstance = (after - before) / (double)running / (1024 * 1024);
            context.Log.WriteLine($"startup: {running} instances, MaxParallelStarts={parallel}: {seconds:0.00} s, {cores:0.00} cores busy, {perInstance:0.00} MiB each; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            return new Measured(seconds, perInstance, $"{Plugins} plugins x {instances}, {cores:0.00} cores busy");
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
