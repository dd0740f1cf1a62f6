using System.Diagnostics;

namespace PluginHost.Host.Isolation;

/// <summary>
/// A worker process as the host's side of it needs it: started by the host itself (<see cref="LocalWorkerProcess"/>)
/// or, under the host's kernel backstop, by the spawner started before it (<see cref="WorkerSpawner"/>).
/// </summary>
internal interface IWorkerProcess : IDisposable
{
    int Id { get; }

    bool HasExited { get; }

    /// <summary>Once exited: the exit code; 128 + n for a process ended by signal n (as .NET reports it).</summary>
    int ExitCode { get; }

    /// <summary>SIGKILL to it and the processes it started; nothing when it has exited already.</summary>
    void Kill();

    Task WaitForExitAsync(CancellationToken cancellationToken = default);
}

/// <summary>A worker this process started and waits for itself.</summary>
internal sealed class LocalWorkerProcess : IWorkerProcess
{
    private readonly Process _process;

    private LocalWorkerProcess(Process process) => _process = process;

    /// <summary>How a worker is started, by the host or by the spawner: stdout and stderr read, stdin redirected too (a worker never reads a terminal).</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        return info;
    }

    /// <summary>Starts it; each line it writes to stdout or stderr goes to <paramref name="output"/> (on a pool thread).</summary>
    public static LocalWorkerProcess Start(ProcessStartInfo info, Action<int, string> output)
    {
        var process = Process.Start(info) ?? throw new InvalidOperationException("the worker process did not start");
        var id = process.Id;
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) output(id, line); };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) output(id, line); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new LocalWorkerProcess(process);
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already exited.
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose() => _process.Dispose();
}
