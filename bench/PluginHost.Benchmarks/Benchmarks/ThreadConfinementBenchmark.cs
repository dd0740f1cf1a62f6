using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Benchmarks.Sandbox;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// The measurement behind keeping interpreter threads unconfined (docs/kernel-backstop.md): what happens to a .NET
/// process when one of its threads is confined the way a plugin interpreter's thread would be. Each finding runs in a
/// fresh child process (<see cref="ThreadConfinementProbe"/>); the values are counts and exit codes, not times.
/// </summary>
public sealed class ThreadConfinementBenchmark : IBenchmark
{
    public string Name => "thread-confinement";

    public string Description => "why interpreter threads are not confined: what a confined thread does to the .NET runtime";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var landlock = Result(await ChildProcess.RunModeAsync(context, "landlock-thread"), "landlock-thread");
        var inheriting = landlock.GetProperty("inheritingThreads").EnumerateArray().Select(t => t.GetString()!).ToList();
        var names = string.Join(", ", inheriting.GroupBy(n => n).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} x{g.Count()}"));
        context.Log.WriteLine($"landlock-thread: its own read outside the domain: {landlock.GetProperty("confinedThreadRead")}; threads that inherited its domain: {names}");
        yield return new BenchResult(Name, "landlock_inheriting_threads", 1, inheriting.Count, "threads") { Note = names };
        var reads = landlock.GetProperty("poolReads").GetInt32();
        yield return new BenchResult(Name, "landlock_pool_reads_failed", 1, landlock.GetProperty("poolReadsFailed").GetInt32(), $"of {reads}")
        { Note = "the host's reads of a file outside the domain on the thread pool, afterwards" };

        cancellationToken.ThrowIfCancellationRequested();
        var lazy = await ChildProcess.RunModeAsync(context, "landlock-lazy-load");
        var lazyOutcome = lazy.Result?.GetProperty("lazyLoad").GetString() ?? FirstLine(lazy.Errors);
        context.Log.WriteLine($"landlock-lazy-load: exit {lazy.ExitCode}: {lazyOutcome}");
        yield return new BenchResult(Name, "landlock_lazy_assembly_load", 1, lazy.ExitCode, "exit code") { Note = lazyOutcome };

        cancellationToken.ThrowIfCancellationRequested();
        var seccomp = await ChildProcess.RunModeAsync(context, "seccomp-thread");
        var threadStart = seccomp.Result?.GetProperty("threadStart").GetString() ?? "(no report)";
        var poolRequest = seccomp.Result?.GetProperty("poolRequest").GetString() == "survived" ? "survived" : FirstLine(seccomp.Errors);
        context.Log.WriteLine($"seccomp-thread: new Thread().Start(): {threadStart}; then a thread-pool request: exit {seccomp.ExitCode}: {poolRequest}");
        yield return new BenchResult(Name, "seccomp_thread_pool_request", 1, seccomp.ExitCode, "exit code") { Note = $"{threadStart}; then: {poolRequest}" };
    }

    private static JsonElement Result(ChildOutcome outcome, string mode) =>
        outcome.ExitCode == 0 && outcome.Result is { } result
            ? result
            : throw new InvalidOperationException($"child mode {mode} exited with {outcome.ExitCode}: {outcome.Errors.Trim()}");

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(nothing on stderr)";
}
