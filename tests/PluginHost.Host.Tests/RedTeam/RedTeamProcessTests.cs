using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// The attacks that end the process they run in, each in a real <c>pluginhost</c> of its own: the red team's
/// (tests/RedTeam/process, run beside the benign neighbour <c>busy</c>) and CPython's own crashers
/// (Lib/test/crashers of the running CPython). The host runs as a session leader, as systemd starts services. Every
/// attack must be refused the right way (as in <see cref="RedTeamTests"/>) and the host must live on, until SIGTERM
/// stops it cleanly. A crasher the policy cannot stop is skipped with the reason "contained only by process isolation
/// (#15)", which docs/isolation.md cites. scripts/test.sh runs this on CPython 3.13 and 3.12.
/// </summary>
[Trait("Category", "RedTeam")]
public sealed class RedTeamProcessTests : IDisposable
{
    private const string Outcome = "redteam-outcome ";
    private const string Done = "redteam-done";
    private const string ShuttingDown = "Application is shutting down";

    // Not named *pluginhost-redteam*: RedTeamTests watches /tmp for files of that name while it runs.
    private readonly string _root = Directory.CreateTempSubdirectory("pluginhost-process-attacks-").FullName;

    public static TheoryData<string> Techniques =>
        new(Directory.EnumerateDirectories(Path.Combine(RedTeamFolders.Root, "process")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Techniques))]
    public async Task EveryAttackIsRefusedAndTheHostLivesOn(string technique)
    {
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "benign", "busy"), Path.Combine(_root, "busy"), hostile: false);
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "process", technique), Path.Combine(_root, technique), hostile: true);

        var report = await RunAsync(technique);

        Assert.NotEmpty(report);
        Assert.All(report, attack => attack.AssertRefused());
    }

    [Theory]
    // 3.11+ takes 16 arguments: TypeError before any code object exists (the code-objects plugin runs the real one).
    [InlineData("bogus_code_obj", null, "TypeError", null)]
    // gc.get_referrers hands out a tuple still being built (NULL items): a segfault, as native code can cause.
    [InlineData("gc_inspection", "native-code", null, null)]
    // gc.get_referrers hands out a class's real dict; a method replaced behind the type's caches is called freed.
    [InlineData("underlying_dict", "native-code", null, null)]
    [InlineData("mutation_inside_cyclegc", null, null, "None")]
    [InlineData("trace_at_recursion_limit", null, "RecursionError", null)]
    public async Task CPythonsCrasherIsRefusedOrSurvived(string crasher, string? needs, string? refusedBy, string? returns)
    {
        var runner = Path.Combine(_root, "crasher");
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "crashers", "runner"), runner, hostile: false);
        File.WriteAllText(Path.Combine(runner, "crasher.txt"), crasher);

        var report = await RunAsync(crasher, "--PluginHost:StartTimeout=00:00:05");

        var outcome = Assert.Single(report);
        (outcome with { Needs = needs, RefusedBy = refusedBy, Returns = returns }).AssertRefused();
    }

    /// <summary>
    /// infinite_loop_re.py is not a crash: its regular expression backtracks for minutes inside C code, where the host
    /// cannot interrupt it. Only that plugin's start fails; the neighbour keeps running. (Not asserted: SIGTERM then waits
    /// for the expression to end — about 90 s on this machine — past StopTimeout.)
    /// </summary>
    [Fact]
    public async Task CPythonsEndlessRegularExpressionFailsOnlyItsOwnStart()
    {
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "benign", "busy"), Path.Combine(_root, "busy"), hostile: false);
        var runner = Path.Combine(_root, "crasher");
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "crashers", "runner"), runner, hostile: false);
        File.WriteAllText(Path.Combine(runner, "crasher.txt"), "infinite_loop_re");

        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_root}", "--PluginHost:StartTimeout=00:00:05"], launcher: ["setsid"]);
        await Within(() => host.HasExited || host.Output.Contains("crasher instance 0 failed to start", StringComparison.Ordinal), TimeSpan.FromMinutes(2), intervalMs: 50);

        var output = host.Output;
        Assert.False(host.HasExited, $"the host process ended.\n{Tail(output)}");
        Assert.Contains("Plugin crasher instance 0 failed to start: did not finish within 00:00:05", output);
        Assert.Contains("Plugin busy instance 0 is running", output);
    }

    [Fact(Skip = "contained only by process isolation (#15): CPython's crasher recursive_call.py (sys.setrecursionlimit(1 << 30); "
        + "f = lambda f: f(f)) grows until memory runs out, and whichever allocation fails first decides: CPython's MemoryError, "
        + "or the .NET runtime's 'Out of memory.' abort of the whole host (seen on 3.12 under a 3 GB data limit); without a "
        + "limit it exhausts the machine. A memory limit per plugin needs a process per plugin.")]
    public Task CPythonsRecursiveCallCrasher() => CPythonsCrasherIsRefusedOrSurvived("recursive_call", null, "MemoryError", null);

    /// <summary>
    /// Runs the host on <see cref="_root"/> until the attacks are done; fails if the host ended or began to shut down
    /// on its own, then stops it with SIGTERM and expects a clean exit. Returns the attacks' outcomes.
    /// </summary>
    private async Task<RedTeamAttack[]> RunAsync(string technique, params string[] extraArgs)
    {
        string[] args = [$"--PluginHost:PluginDirectories:0={_root}", "--PluginHost:StopTimeout=00:00:05", .. extraArgs];
        using var host = HostProcess.Start(args, launcher: ["setsid"]);
        await Within(() => host.HasExited || host.Output.Contains(Done, StringComparison.Ordinal), TimeSpan.FromMinutes(2), intervalMs: 50);
        // A signal the kernel sends on the attack's behalf, or a shutdown it set off, shows within moments.
        await Within(() => host.HasExited || host.Output.Contains(ShuttingDown, StringComparison.Ordinal), TimeSpan.FromSeconds(3), intervalMs: 50);
        var output = host.Output;
        if (host.HasExited)
            Assert.Fail($"{technique}: the host process ended with exit code {host.ExitCode}{SignalOf(host.ExitCode)} instead of refusing the attack.\n{Tail(output)}");
        Assert.True(output.Contains(Done, StringComparison.Ordinal), $"{technique}: the attacks did not finish.\n{Tail(output)}");
        Assert.False(output.Contains(ShuttingDown, StringComparison.Ordinal), $"{technique}: the host began to shut down by itself.\n{Tail(output)}");

        host.Terminate();
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"{technique}: exit code {exitCode} after SIGTERM.\n{Tail(host.Output)}");
        return [.. output.Split('\n')
            .Select(line => line.IndexOf(Outcome, StringComparison.Ordinal) is var at and >= 0 ? line[(at + Outcome.Length)..].Trim() : null)
            .OfType<string>()
            .Select(RedTeamAttack.Parse)];
    }

    private static string SignalOf(int exitCode) => exitCode switch
    {
        129 => " (SIGHUP)",
        134 => " (SIGABRT)",
        137 => " (SIGKILL)",
        139 => " (SIGSEGV)",
        157 => " (SIGIO)",
        _ => "",
    };

    private static string Tail(string output) => output.Length <= 6000 ? output : "...\n" + output[^6000..];

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A host killed mid-write may leave a file open a moment longer; the folder is in /tmp.
        }
    }
}
