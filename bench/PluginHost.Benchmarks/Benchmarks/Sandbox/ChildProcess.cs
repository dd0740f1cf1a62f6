using System.Diagnostics;
using System.Text.Json;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks.Sandbox;

/// <summary>What a child process left: its exit code, the JSON it printed (if any), its stderr and how long it ran.</summary>
public sealed record ChildOutcome(int ExitCode, JsonElement? Result, string Errors, TimeSpan Elapsed);

/// <summary>
/// Runs a program — this benchmark program in one of its <see cref="ChildModes"/>, or <c>pluginhost</c> — as a child
/// process: measurements that confine or filter a thread or a process cannot be undone, so each gets a fresh one.
/// </summary>
public static class ChildProcess
{
    /// <summary>This program with <c>--child <paramref name="mode"/></c> and <paramref name="arguments"/>.</summary>
    public static Task<ChildOutcome> RunModeAsync(BenchContext context, string mode, params string[] arguments) =>
        RunAsync(context, Path.Combine(AppContext.BaseDirectory, "PluginHost.Benchmarks.dll"), [ChildModes.Flag, mode, .. arguments]);

    /// <summary><c>dotnet <paramref name="assembly"/> <paramref name="arguments"/></c>.</summary>
    public static async Task<ChildOutcome> RunAsync(BenchContext context, string assembly, IReadOnlyList<string> arguments, bool quiet = false)
    {
        var isChildMode = arguments is [ChildModes.Flag, ..];
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        if (!quiet)
            context.Log.WriteLine($"child: dotnet {Path.GetFileName(assembly)} {string.Join(' ', arguments)}");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        var output = await stdout;
        var errors = await stderr;
        return new ChildOutcome(process.ExitCode, Json(output, document: !isChildMode), errors, elapsed);
    }

    // pluginhost check --json prints one indented document; the child modes a JSON line, the last one counting.
    private static JsonElement? Json(string output, bool document)
    {
        var json = document
            ? output[Math.Max(0, output.IndexOf('{'))..]
            : output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        if (string.IsNullOrWhiteSpace(json))
            return null;
        using var parsed = JsonDocument.Parse(json);
        return parsed.RootElement.Clone();
    }
}
