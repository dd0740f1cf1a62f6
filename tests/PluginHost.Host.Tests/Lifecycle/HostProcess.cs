using System.Diagnostics;
using System.Text;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The real `pluginhost` program in a child process: a fresh CPython per run, real signals, real exit codes.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="launcher">A command that runs <c>dotnet pluginhost.dll ...</c> for us (e.g. <c>setpriv</c> with its options).</param>
    /// <param name="workingDirectory">The current directory (the content root); the test binaries' folder unless given.</param>
    public static HostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null,
        string? workingDirectory = null)
    {
        IEnumerable<string> dotnet = ["dotnet", Path.Combine(AppContext.BaseDirectory, "pluginhost.dll")];
        var command = launcher is null ? dotnet : launcher.Concat(dotnet);
        return StartProgram(command.First(), command.Skip(1).Concat(args), workingDirectory ?? AppContext.BaseDirectory, environment);
    }

    /// <summary>
    /// <paramref name="program"/> itself (e.g. a published folder's native <c>pluginhost</c> launcher) with
    /// <paramref name="args"/>, in <paramref name="workingDirectory"/>; the same console formatter as <see cref="Start"/>.
    /// </summary>
    public static HostProcess StartProgram(string program, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return new HostProcess(Process.Start(start)!);
    }

    /// <summary>The child's process id (of the launcher, when one was given).</summary>
    public int Id => _process.Id;

    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var host = Start(args, environment);
        var code = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (code, host.Output);
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"'{text}' did not appear. Output so far:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM, as systemd and `docker stop` send it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
    }

    /// <summary>SIGHUP: re-read configuration and plugin folders.</summary>
    public void Hangup()
    {
        using var hangup = Process.Start("kill", ["-HUP", _process.Id.ToString()])!;
        hangup.WaitForExit();
    }

    /// <summary>Waits until <paramref name="text"/> occurs at least <paramref name="count"/> times in the output.</summary>
    public async Task WaitForCountAsync(string text, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Count(text) < count)
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                Assert.Fail($"'{text}' seen {Count(text)} time(s), not {count}, within {timeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    public int Count(string text)
    {
        var output = Output;
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>SIGKILL: the host gets no chance to clean up (what must not outlive it has to notice by itself).</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, then its output once it exited; fails the test unless it exited 0 within a minute.</summary>
    public async Task<string> StopAsync()
    {
        Terminate();
        var exitCode = await WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{Output}");
        return Output;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();   // flushes the asynchronous output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
