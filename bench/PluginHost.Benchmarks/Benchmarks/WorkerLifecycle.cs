using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Isolation;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What a worker process costs (<c>"isolation": "process"</c>): the time from spawning <c>pluginhost worker</c> to its
/// interpreter being ready (connected, CPython started, the Started frame back, a first <c>Run</c> answered), and the
/// resident memory of each idle worker, read from <c>/proc/&lt;pid&gt;</c>.
/// </summary>
internal static class WorkerLifecycle
{
    /// <summary>Starts <paramref name="count"/> workers one after another, keeps them all, then ends them.</summary>
    public static async Task<(List<double> StartMs, double RssMiB, double PssMiB)> MeasureAsync(PythonRuntime runtime, int count)
    {
        var factory = new WorkerRuntimeFactory(runtime.Installation.LibraryPath, NullLogger.Instance);
        var workers = new List<WorkerRuntime>();
        var starts = new List<double>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var sw = Stopwatch.StartNew();
                var worker = (WorkerRuntime)await factory.StartAsync(new InterpreterOptions { Name = $"bench-worker-{i}" }, new IdleBinding(i), policy: null);
                workers.Add(worker);
                await worker.RunAsync("x = 1");
                starts.Add(sw.Elapsed.TotalMilliseconds);
            }
            await Task.Delay(500);   // let each worker's start-up garbage settle (its GC runs on its own)
            double rss = 0, pss = 0;
            foreach (var worker in workers)
            {
                rss += Kilobytes($"/proc/{worker.ProcessId}/status", "VmRSS:");
                pss += Kilobytes($"/proc/{worker.ProcessId}/smaps_rollup", "Pss:");
            }
            return (starts, rss / 1024 / count, pss / 1024 / count);
        }
        finally
        {
            await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask()));
        }
    }

    private static double Kilobytes(string file, string field)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return double.Parse(line[field.Length..].Trim().Split(' ', 2)[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidDataException($"{field} not in {file}");
    }

    /// <summary>An instance that does nothing: no messages, no host functions.</summary>
    private sealed class IdleBinding(int instance) : IPluginBinding
    {
        public string PluginName => "bench-idle";

        public int Instance => instance;

        public IReadOnlyDictionary<string, object?> Settings { get; } = new Dictionary<string, object?>();

        public void Log(int level, string logger, string message)
        {
        }

        public void Write(bool error, string text)
        {
        }

        public Task? Publish(Message message) => null;

        public Task<Message> Request(Message message, TimeSpan? timeout) => throw new NotSupportedException();

        public Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout) => throw new NotSupportedException();

        public void Subscribe(string pattern, int handlerId)
        {
        }

        public bool Unsubscribe(int handlerId) => false;
    }
}
