using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The host's end of <c>pluginhost spawner</c> (<see cref="WorkerSpawnerMain"/>): a child started before the host's
/// kernel backstop is installed, so that the filter can deny the host process creation and signals to other
/// processes while workers are still started — and killed — by the spawner, which is not under it (and neither are
/// the workers it starts: they confine themselves). Requests and reports are JSON lines on its stdin and stdout.
/// </summary>
internal sealed class WorkerSpawner : IAsyncDisposable
{
    public const string Verb = "spawner";

    private readonly Process _spawner;
    private readonly Lock _writing = new();
    private readonly ConcurrentDictionary<long, (TaskCompletionSource<IWorkerProcess> Started, Action<int, string> Output)> _starting = new();
    private readonly ConcurrentDictionary<int, SpawnedWorker> _workers = new();
    private readonly ILogger _logger;
    private readonly Task _reading;
    private long _lastRequest;

    private WorkerSpawner(Process spawner, ILogger logger)
    {
        _spawner = spawner;
        _logger = logger;
        _reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>Starts the spawner: this deployment's <c>pluginhost</c> in spawner mode. Its stderr goes to the log.</summary>
    public static WorkerSpawner Start(ILogger logger)
    {
        var (file, prefix) = WorkerRuntimeFactory.Executable();
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (prefix is not null)
            info.ArgumentList.Add(prefix);
        info.ArgumentList.Add(Verb);
        var process = Process.Start(info) ?? throw new InvalidOperationException("the worker spawner did not start");
        var id = process.Id;
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) logger.WorkerOutput(id, "worker spawner", line); };
        process.BeginErrorReadLine();
        return new WorkerSpawner(process, logger);
    }

    /// <summary>Has the spawner start <paramref name="file"/>; each line the worker writes goes to <paramref name="output"/>.</summary>
    public Task<IWorkerProcess> StartAsync(string file, IReadOnlyList<string> arguments, Action<int, string> output)
    {
        var id = Interlocked.Increment(ref _lastRequest);
        var started = new TaskCompletionSource<IWorkerProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        _starting[id] = (started, output);
        if (!Send(new SpawnerMessage { Op = SpawnerMessage.Start, Id = id, File = file, Arguments = [.. arguments] }))
            Fail(id, "the worker spawner is gone");
        if (_reading.IsCompleted)
            Fail(id, "the worker spawner is gone");
        return started.Task;
    }

    private void Kill(int pid) => Send(new SpawnerMessage { Op = SpawnerMessage.Kill, Pid = pid });

    private bool Send(SpawnerMessage message)
    {
        var line = JsonSerializer.Serialize(message);
        lock (_writing)
        {
            try
            {
                _spawner.StandardInput.WriteLine(line);
                _spawner.StandardInput.Flush();
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                return false;
            }
        }
    }

    private void Fail(long id, string why)
    {
        if (_starting.TryRemove(id, out var request))
            request.Started.TrySetException(new InvalidOperationException(why));
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _spawner.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                var message = JsonSerializer.Deserialize<SpawnerMessage>(line);
                switch (message?.Op)
                {
                    // One reader, in order: a worker is known before its first output line is read.
                    case SpawnerMessage.Started when _starting.TryRemove(message.Id, out var request):
                        var worker = new SpawnedWorker(message.Pid, this, request.Output);
                        _workers[message.Pid] = worker;
                        request.Started.TrySetResult(worker);
                        break;
                    case SpawnerMessage.Failed:
                        Fail(message.Id, message.Error ?? "the worker did not start");
                        break;
                    case SpawnerMessage.Output when _workers.TryGetValue(message.Pid, out var writer):
                        writer.Output(message.Pid, message.Line ?? "");
                        break;
                    case SpawnerMessage.Exited when _workers.TryRemove(message.Pid, out var exited):
                        exited.Exit(message.Code);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException or ObjectDisposedException)
        {
            _logger.WorkerOutput(_spawner.Id, "worker spawner", $"its reports failed: {e.Message}");
        }
        // The spawner is gone: what it started can no longer be waited for or killed through it.
        foreach (var id in _starting.Keys)
            Fail(id, "the worker spawner is gone");
        foreach (var worker in _workers.Values)
            worker.Exit(-1);
        _workers.Clear();
    }

    /// <summary>Ends the spawner (it kills any worker still running) and waits for it a little.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_writing)
        {
            try
            {
                _spawner.StandardInput.Close();
            }
            catch (IOException)
            {
                // Gone already.
            }
        }
        try
        {
            await _spawner.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _spawner.Kill(entireProcessTree: true);
        }
        await _reading.ConfigureAwait(false);
        _spawner.Dispose();
    }

    /// <summary>A worker the spawner started: waited for and killed through it.</summary>
    private sealed class SpawnedWorker(int id, WorkerSpawner spawner, Action<int, string> output) : IWorkerProcess
    {
        private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Id => id;

        public bool HasExited => _exit.Task.IsCompleted;

        public int ExitCode => _exit.Task.IsCompleted ? _exit.Task.Result : throw new InvalidOperationException($"worker process {id} has not exited");

        public void Output(int pid, string line) => output(pid, line);

        public void Exit(int code) => _exit.TrySetResult(code);

        public void Kill()
        {
            if (!HasExited)
                spawner.Kill(id);
        }

        public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _exit.Task.WaitAsync(cancellationToken);

        public void Dispose()
        {
        }
    }
}

/// <summary>One line between the host and its spawner.</summary>
internal sealed class SpawnerMessage
{
    public const string Start = "start", Kill = "kill", Started = "started", Failed = "failed", Output = "output", Exited = "exited";

    public string Op { get; set; } = "";

    public long Id { get; set; }

    public int Pid { get; set; }

    public string? File { get; set; }

    public List<string>? Arguments { get; set; }

    public string? Line { get; set; }

    public int Code { get; set; }

    public string? Error { get; set; }
}
