using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace PluginHost.Host.Isolation;

/// <summary>
/// <c>pluginhost spawner</c>: the worker mode's starter (not listed in help; the host starts it before installing its
/// kernel backstop, <see cref="WorkerSpawner"/>). Reads requests from stdin — start a worker, kill one — and reports
/// on stdout what it started, each line a worker writes, and each exit. When stdin closes (the host ended it, or died)
/// it kills the workers still running and exits.
/// </summary>
internal static class WorkerSpawnerMain
{
    private static readonly Lock Writing = new();

    public static async Task<int> RunAsync()
    {
        using var signals = StopSignals.Ignore();
        var processes = new ConcurrentDictionary<int, Process>();
        using var input = new StreamReader(Console.OpenStandardInput());
        await using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var request = JsonSerializer.Deserialize<SpawnerMessage>(line);
            if (request?.Op == SpawnerMessage.Start)
                Start(request, processes, output);
            else if (request?.Op == SpawnerMessage.Kill && processes.TryGetValue(request.Pid, out var process))
                Kill(process);
        }
        foreach (var process in processes.Values)
            Kill(process);
        return 0;
    }

    private static void Start(SpawnerMessage request, ConcurrentDictionary<int, Process> processes, StreamWriter output)
    {
        try
        {
            var process = Process.Start(LocalWorkerProcess.StartInfo(request.File!, request.Arguments ?? []))
                ?? throw new InvalidOperationException("the worker process did not start");
            var pid = process.Id;
            processes[pid] = process;
            Send(output, new SpawnerMessage { Op = SpawnerMessage.Started, Id = request.Id, Pid = pid });
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Send(output, new SpawnerMessage { Op = SpawnerMessage.Output, Pid = pid, Line = line }); };
            process.OutputDataReceived += (_, e) => { if (e.Data is { } line) Send(output, new SpawnerMessage { Op = SpawnerMessage.Output, Pid = pid, Line = line }); };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            _ = Task.Run(async () =>
            {
                await process.WaitForExitAsync().ConfigureAwait(false);   // and its output read to the end
                processes.TryRemove(pid, out _);
                Send(output, new SpawnerMessage { Op = SpawnerMessage.Exited, Pid = pid, Code = process.ExitCode });
                process.Dispose();
            });
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or ArgumentException)
        {
            Send(output, new SpawnerMessage { Op = SpawnerMessage.Failed, Id = request.Id, Error = e.Message });
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Exited already.
        }
    }

    private static void Send(StreamWriter output, SpawnerMessage message)
    {
        var line = JsonSerializer.Serialize(message);
        lock (Writing)
        {
            try
            {
                output.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The host is gone: stdin closes next, and the spawner ends.
            }
        }
    }
}
