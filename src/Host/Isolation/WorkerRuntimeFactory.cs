using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Isolation;

/// <summary>
/// Starts each runtime in a worker process of its own: this same <c>pluginhost</c> executable run as
/// <c>pluginhost worker --channel &lt;socket&gt;</c>, connected back over a Unix domain socket (<see cref="WorkerMain"/>),
/// which confines itself in the kernel sandbox <paramref name="sandboxes"/> decides (none when null), its address
/// space limited from <paramref name="memoryLimitBytes"/> (MemoryLimitMiB) where set.
/// </summary>
internal sealed class WorkerRuntimeFactory(string? pythonLibrary, ILogger logger, WorkerSandboxes? sandboxes = null, long? memoryLimitBytes = null)
    : IInstanceRuntimeFactory
{
    /// <summary>The worker's runtime charges large blocks as the host's does (its default); they cross with each sample.</summary>
    public bool LargeAllocationsTracked => true;

    /// <summary>How long a worker may take to connect back.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <paramref name="policy"/> crosses as values and governs the worker's interpreter through the same audit hook;
    /// its decisions come back to <see cref="InterpreterPolicy.Listener"/> here.
    /// </summary>
    public async Task<IInstanceRuntime> StartAsync(InterpreterOptions options, IPluginBinding binding, InterpreterPolicy? policy)
    {
        var name = options.Name ?? $"plugin:{binding.PluginName}/{binding.Instance}";
        var sandbox = sandboxes?.For(policy, memoryLimitBytes);   // throws when required and the kernel lacks part of it
        var folder = Directory.CreateTempSubdirectory("pluginhost-worker-");
        var path = Path.Combine(folder.FullName, "channel");
        IWorkerProcess? process = null;
        RunningSlot? running = null;
        try
        {
            running = RunningSlot.Create(folder.FullName);
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var info = StartInfo(path);
            Action<int, string> output = (id, line) => logger.WorkerOutput(id, name, line);
            // Under the host's kernel backstop the spawner started before it starts the worker (the host may not).
            process = sandboxes?.Spawner is { } spawner
                ? await spawner.StartAsync(info.FileName, [.. info.ArgumentList], output).ConfigureAwait(false)
                : LocalWorkerProcess.Start(info, output);
            var id = process.Id;
            using var connectTimeout = new CancellationTokenSource(ConnectTimeout);
            var accepting = listener.AcceptAsync(connectTimeout.Token).AsTask();
            var exited = process.WaitForExitAsync(connectTimeout.Token);
            if (await Task.WhenAny(accepting, exited).ConfigureAwait(false) != accepting)
            {
                throw process.HasExited
                    ? new InvalidOperationException($"the worker process exited with code {process.ExitCode} before it connected (its output is logged)")
                    : new TimeoutException($"the worker process did not connect within {ConnectTimeout}");
            }
            var socket = await accepting.ConfigureAwait(false);
            logger.WorkerStarted(name, id);
            var runtime = new WorkerRuntime(process, new FrameChannel(socket), binding, logger, name, EndTimeout(options))
            {
                PolicyListener = policy?.Listener,
                RunningSlot = running,
            };
            running = null;   // the runtime owns it now
            var start = new WorkerStart
            {
                Plugin = binding.PluginName,
                Instance = binding.Instance,
                Name = name,
                ThreadEndTimeoutSeconds = options.ThreadEndTimeout.TotalSeconds,
                MaxOutputLength = binding.MaxOutputLength,
                Settings = binding.Settings.ToDictionary(s => s.Key, s => JsonSerializer.SerializeToElement(s.Value)),
                Policy = policy is null ? null : policy with { Listener = null },
                Sandbox = sandbox,
            };
            try
            {
                await runtime.StartAsync(start, connectTimeout.Token).ConfigureAwait(false);
            }
            catch
            {
                await runtime.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            process = null;   // the runtime owns it now
            return runtime;
        }
        finally
        {
            if (process is not null && !process.HasExited)
                process.Kill();
            running?.Dispose();
            folder.Delete(recursive: true);   // connected (or failed): the socket's name is no longer needed
        }
    }

    /// <summary>
    /// How long a worker gets to exit after End before it is killed: twice its threads' end timeout (which the worker
    /// waits at most), so that it is gone within what the host waits for an interpreter's end (StopBudget: at least
    /// half of StopTimeout, where the threads get a quarter).
    /// </summary>
    private static TimeSpan EndTimeout(InterpreterOptions options) => options.ThreadEndTimeout * 2;

    private ProcessStartInfo StartInfo(string channel)
    {
        var (file, prefix) = Executable();
        string[] arguments = [.. prefix is null ? [] : new[] { prefix }, "worker", "--channel", channel, .. pythonLibrary is null ? [] : new[] { "--python", pythonLibrary }];
        return LocalWorkerProcess.StartInfo(file, arguments);
    }

    /// <summary>
    /// This deployment's <c>pluginhost</c>: its native launcher beside the assemblies, or else <c>pluginhost.dll</c> run
    /// by the dotnet host that runs this process (as under a test runner).
    /// </summary>
    internal static (string File, string? Prefix) Executable()
    {
        var launcher = Path.Combine(AppContext.BaseDirectory, "pluginhost");
        if (File.Exists(launcher))
            return (launcher, null);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet");
        return (dotnet, Path.Combine(AppContext.BaseDirectory, "pluginhost.dll"));
    }
}
