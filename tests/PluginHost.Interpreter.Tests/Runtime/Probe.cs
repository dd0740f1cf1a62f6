using System.Diagnostics;

namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>Runs the probe program (tests/PluginHost.Interpreter.Probe) in a fresh process with the CPython <c>python</c> names.</summary>
internal static class Probe
{
    public const string Python313 = "/root/.pyenv/versions/3.13.0/bin/python3.13";
    public const string Python312 = "/root/.pyenv/versions/3.12.1/bin/python3.12";

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string python, params string[] args)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "PluginHost.Interpreter.Probe.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(probe);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["PLUGINHOST_PYTHON"] = python;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
