using System.Text.Json;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Messaging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// The red team (tests/RedTeam, docs/isolation.md): each hostile plugin runs every attack it knows in a real plugin,
/// beside a benign pair exchanging messages the whole time. Every attack must be refused the right way (a
/// PermissionError naming the capability, or CPython's own refusal where the plugin says so), the neighbours must
/// keep working, and nothing of the process the plugins share may change. scripts/test.sh runs this on CPython 3.12
/// and 3.13.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "RedTeam")]
public sealed class RedTeamTests(PythonRuntimeFixture fixture)
{
    public static TheoryData<string> Techniques => new(RedTeamFolders.Hostile());

    [Theory]
    [MemberData(nameof(Techniques))]
    public Task EveryAttackIsRefusedTheNeighboursKeepWorkingAndTheProcessIsUnchanged(string technique) =>
        RunAsync("hostile", technique);

    /// <summary>A limit the docs state, kept runnable: remove the skip to see the race won in-process.</summary>
    [Fact(Skip = "contained only by process isolation (#15): a directory swapped between the policy's check and the kernel's open (time of check to time of use); only a kernel check at open, Landlock in a process of its own, closes it")]
    public Task ADirectorySwappedBetweenCheckAndOpenIsAKnownLimit() => RunAsync("limits", "swapped-directory");

    private async Task RunAsync(string folder, string technique)
    {
        var before = ProcessState.Capture();
        await using var harness = new SupervisorHarness(fixture);
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "benign", "pinger"), Path.Combine(harness.Root, "pinger"), hostile: false);
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, "benign", "ponger"), Path.Combine(harness.Root, "ponger"), hostile: false);
        RedTeamFolders.Install(Path.Combine(RedTeamFolders.Root, folder, technique), Path.Combine(harness.Root, technique), hostile: true);
        await harness.StartAsync();
        Assert.All(new[] { "pinger", "ponger", technique }, p => Assert.Equal(PluginState.Running, harness.Status(p).State));

        using var stop = new CancellationTokenSource();
        var traffic = ExchangeAsync(harness, stop.Token);
        await Until(() => traffic.IsCompleted || Exchanged > 0, 30);
        var report = await AttackAsync(harness, technique);
        var exchangedDuringAttack = Exchanged;
        stop.Cancel();
        var exchanged = await traffic;

        Assert.NotEmpty(report);
        Assert.All(report, attack => attack.AssertRefused());
        Assert.True(exchanged > exchangedDuringAttack || exchangedDuringAttack > 0, "the benign pair stopped exchanging messages");
        Assert.All(new[] { "pinger", "ponger", technique }, p => Assert.Equal(PluginState.Running, harness.Status(p).State));
        var after = ProcessState.Capture();
        Assert.Empty(before.Differences(after));
    }

    [Fact]
    public void RunsOnTheCPythonItWasGiven()
    {
        // scripts/test.sh runs this class once per CPython version through PLUGINHOST_PYTHON.
        var asked = Environment.GetEnvironmentVariable("PLUGINHOST_PYTHON");
        if (asked is not null)
            Assert.StartsWith(asked, fixture.Runtime.Installation.LibraryPath, StringComparison.Ordinal);
        Assert.Matches(@"^3\.1[2-9]\.", fixture.Runtime.Version);
    }

    private int _exchanged;

    private int Exchanged => Volatile.Read(ref _exchanged);

    /// <summary>pinger asks ponger for every message, in order; every answer is checked. Returns how many round trips.</summary>
    private async Task<int> ExchangeAsync(SupervisorHarness harness, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Exchanged;
            var reply = await harness.Broker.RequestAsync(JsonMessage("ping", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "pinger"), TimeSpan.FromSeconds(30));
            using var answer = JsonDocument.Parse(reply.Payload);
            Assert.Equal(n, answer.RootElement.GetProperty("pong").GetProperty("n").GetInt32());
            Assert.Equal(n + 1, answer.RootElement.GetProperty("pong").GetProperty("answered").GetInt32());
            Interlocked.Increment(ref _exchanged);
        }
        return Exchanged;
    }

    private static async Task<RedTeamAttack[]> AttackAsync(SupervisorHarness harness, string technique)
    {
        var reply = await harness.Broker.RequestAsync(JsonMessage("attack", "null", technique), TimeSpan.FromSeconds(60));
        return RedTeamAttack.ParseAll(reply.Payload.Span);
    }
}
