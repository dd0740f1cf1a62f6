using System.Runtime.CompilerServices;
using System.Text.Json;
using PluginHost.Benchmarks.Benchmarks.Sandbox;
using PluginHost.Benchmarks.Infrastructure;

namespace PluginHost.Benchmarks.Benchmarks;

/// <summary>
/// What the kernel backstop costs, each against its baseline in the same run: <c>open()</c> on a thread before and
/// after it enters a Landlock domain, and a trivial syscall before and after the run mode's seccomp filter goes on
/// (thread CPU time, in one child process each); interpreter creation in fresh runtimes with and without the filter
/// (child processes, alternated); <c>pluginhost check</c> of a sample plugin confined and with <c>--no-confine</c>
/// (wall time of the whole command, alternated).
/// </summary>
public sealed class SandboxBenchmark : IBenchmark
{
    public string Name => "sandbox";

    public string Description => "kernel backstop costs: open() under Landlock, interpreter create under seccomp, confined check";

    public async IAsyncEnumerable<BenchResult> RunAsync(BenchContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var repeats = context.Options.Repeats;

        var open = Result(await ChildProcess.RunModeAsync(context, "open-cost"), "open-cost");
        var before = Numbers(open, "before");
        var after = Numbers(open, "after");
        yield return new BenchResult(Name, "open_close_landlock", 1, Stats.Median(after), "ns")
        {
            Baseline = Stats.Median(before), Ratio = Stats.Median(before) / Stats.Median(after), Stat = "median", Samples = after.Count,
            Note = $"thread CPU time of open(O_RDONLY)+close of a file {open.GetProperty("depth")} directories deep; baseline: the same thread before landlock_restrict_self",
        };

        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (mode, row, what) in new[] { ("allow-only", "syscall_any_filter", "a filter that allows everything"), ("filter", "syscall_seccomp", "the run mode's filter") })
        {
            var syscall = Result(await ChildProcess.RunModeAsync(context, "syscall-cost", mode), "syscall-cost");
            var plain = Numbers(syscall, "before");
            var filtered = Numbers(syscall, "after");
            yield return new BenchResult(Name, row, 1, Stats.Median(filtered), "ns")
            {
                Baseline = Stats.Median(plain), Ratio = Stats.Median(plain) / Stats.Median(filtered), Stat = "median", Samples = filtered.Count,
                Note = $"thread CPU time of one getppid() under {what} ({syscall.GetProperty("instructions")} instructions); baseline: the same thread before",
            };
        }

        cancellationToken.ThrowIfCancellationRequested();
        List<double> plainCreates = [], filteredCreates = [];
        for (var i = 0; i < repeats; i++)
        {
            foreach (var filtered in new[] { false, true })
            {
                var run = Result(await ChildProcess.RunModeAsync(context, "interpreter-create", filtered ? "filter" : "none"), "interpreter-create");
                (filtered ? filteredCreates : plainCreates).AddRange(Numbers(run, "creates"));
            }
        }
        yield return new BenchResult(Name, "create_median_seccomp", 1, Stats.Median(filteredCreates), "ms")
        {
            Baseline = Stats.Median(plainCreates), Ratio = Stats.Median(plainCreates) / Stats.Median(filteredCreates), Stat = "median", Samples = filteredCreates.Count,
            Note = $"interpreter create in {repeats} fresh runtimes each, alternated; baseline: no filter",
        };

        cancellationToken.ThrowIfCancellationRequested();
        var sample = SamplePlugin("sales-report");
        var host = Path.Combine(AppContext.BaseDirectory, "pluginhost.dll");
        List<double> confined = [], unconfined = [];
        for (var i = 0; i < repeats; i++)
        {
            foreach (var confine in new[] { true, false })
            {
                string[] arguments = confine ? ["check", sample, "--json"] : ["check", sample, "--json", "--no-confine"];
                var run = await ChildProcess.RunAsync(context, host, arguments, quiet: i > 0);
                if (run.ExitCode != 0 || run.Result?.GetProperty("sandbox").GetProperty("confined").GetBoolean() != confine)
                    throw new InvalidOperationException($"pluginhost {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.Errors.Trim()}");
                (confine ? confined : unconfined).Add(run.Elapsed.TotalMilliseconds);
            }
        }
        yield return new BenchResult(Name, "check_confined", 1, Stats.Median(confined), "ms")
        {
            Baseline = Stats.Median(unconfined), Ratio = Stats.Median(unconfined) / Stats.Median(confined), Stat = "median", Samples = confined.Count,
            Note = "wall time of `pluginhost check plugins/sales-report --json`; baseline: --no-confine",
        };
    }

    private static JsonElement Result(ChildOutcome outcome, string mode) =>
        outcome.ExitCode == 0 && outcome.Result is { } result
            ? result
            : throw new InvalidOperationException($"child mode {mode} exited with {outcome.ExitCode}: {outcome.Errors.Trim()}");

    private static List<double> Numbers(JsonElement result, string property) =>
        [.. result.GetProperty(property).EnumerateArray().Select(e => e.GetDouble())];

    /// <summary>A sample plugin of the repository: the first <c>plugins/&lt;name&gt;</c> above the program's folder.</summary>
    private static string SamplePlugin(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "plugins", name);
            if (File.Exists(Path.Combine(candidate, "plugin.json")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"No plugins/{name} above {AppContext.BaseDirectory}.");
    }
}
