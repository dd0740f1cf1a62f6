using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle.Live;

/// <summary>
/// A consumer upgraded, rolled back and scaled down live while a producer publishes without pause: every message sent
/// is handled once, or counted as dropped or unrouted; none is handled twice.
/// </summary>
public sealed partial class RollingUpgradeTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(1);
    private readonly PluginFolders _folders = new();
    private readonly LiveSettings _settings = new();

    public void Dispose()
    {
        _settings.Dispose();
        _folders.Dispose();
    }

    private static string Consumer(string version) => $$"""
        import pluginhost

        VERSION = "{{version}}"
        handled = 0
        instance = None

        def setup(ctx):
            global instance
            instance = ctx.instance
            print(f"consumer {VERSION}/{instance} up")

        def on_message(message):
            global handled
            handled += 1
            if handled % 5000 == 0:
                print(f"consumer {VERSION}/{instance} at {handled}")

        def teardown():
            print(f"consumer {VERSION}/{instance} handled={handled}")
        """;

    private void WriteConsumer(string folder, string version, string code)
    {
        File.WriteAllText(Path.Combine(folder, "main.py"), code);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), PluginFolders.Manifest("consumer", version, extra: """ "subscriptions": ["load.data"], "dependsOn": ["producer"] """));
    }

    [Fact]
    public async Task UpgradeRollbackAndScaleDownUnderTrafficAccountForEveryMessage()
    {
        var producer = _folders.Plugin("producer", PluginFolders.Manifest("producer"));
        File.WriteAllText(Path.Combine(producer, "main.py"), FloodingProducer.Source);
        var consumer = Path.Combine(_folders.Root, "consumer");
        Directory.CreateDirectory(consumer);
        WriteConsumer(consumer, "1.0.0", Consumer("v1"));
        _settings.Write("""{ "PluginHost": { "Plugins": { "consumer": { "Instances": 2 } } } }""");
        var undelivered = Path.Combine(_folders.Root, "undelivered.jsonl");
        using var host = HostProcess.Start([
            $"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Reload:Delay=00:00:00.300",
            $"--PluginHost:Broker:UndeliveredFile={undelivered}", "--PluginHost:Broker:InboxCapacity=256"], _settings.ProcessEnvironment);
        await host.WaitForOutputAsync("consumer v1/1 at 5000", Wait);

        // Upgraded: v2 instances start beside v1, then v1 drains and stops.
        WriteConsumer(consumer, "2.0.0", Consumer("v2"));
        await host.WaitForOutputAsync("Plugin consumer 2.0.0 now serves with 2 instance(s)", Wait);
        Assert.Equal(2, Teardown().Matches(host.Output).Count);   // both v1 instances drained and stopped

        // A manifest that does not parse: rejected, v2 serves on.
        File.WriteAllText(Path.Combine(consumer, "plugin.json"), "{ \"name\": ");
        await host.WaitForOutputAsync("Plugin consumer not changed, what runs of it keeps serving: its files cannot be loaded", Wait);

        // A version whose setup fails: rolled back, v2 serves on.
        WriteConsumer(consumer, "3.0.0", "def setup(ctx):\n    raise RuntimeError('v3 cannot start')\n");
        await host.WaitForOutputAsync("Plugin consumer 3.0.0 did not start, rolled back: 2.0.0 keeps serving", Wait);
        var after = host.Count("consumer v2/");
        await host.WaitForCountAsync("consumer v2/", after + 2, Wait);   // still handling

        // Back to v2's files (what an operator's fix looks like: newer files, so replaced again), then scaled down: the
        // leaving instance drains.
        WriteConsumer(consumer, "2.0.0", Consumer("v2"));
        await host.WaitForCountAsync("Plugin consumer 2.0.0 now serves with 2 instance(s)", 2, Wait);
        _settings.Write("""{ "PluginHost": { "Plugins": { "consumer": { "Instances": 1 } } } }""");
        await host.WaitForOutputAsync("Plugin consumer scaled live from 2 to 1 instance(s)", Wait);
        await host.WaitForCountAsync("consumer v2/1 handled=", 2, Wait);   // the first v2/1 at the restore, this one now

        var output = await host.StopAsync();
        var sent = Number(output, @"producer sent=(\d+)");
        var errors = Number(output, @"producer sent=\d+ errors=(\d+)");
        var totals = OwnerTotals().Match(output);
        Assert.True(totals.Success, output);
        long Group(string name) => long.Parse(totals.Groups[name].Value);
        var unrouted = Number(output, @"Message totals at stop: .*unrouted (\d+)");
        var byTeardowns = Teardown().Matches(output).Sum(m => long.Parse(m.Groups[1].Value));
        log.WriteLine($"sent {sent} errors {errors}; handled {Group("handled")} (teardowns {byTeardowns}), dropped {Group("dropped")}, dead-lettered {Group("dead")}, unrouted {unrouted}");

        Assert.Equal((0L, 0L, 0L), (Group("failed"), Group("retried"), Group("waiting")));
        // Each message handled once: the broker's count is the instances' own, across v1, v2 and the scale-down.
        Assert.Equal(Group("handled"), byTeardowns);
        Assert.True(Group("handled") + Group("dropped") + Group("dead") + unrouted == sent + errors,
            $"handled {Group("handled")} + dropped {Group("dropped")} + dead-lettered {Group("dead")} + unrouted {unrouted} != sent {sent} + errors {errors}");
        Assert.Equal(Group("dropped"), File.Exists(undelivered) ? File.ReadAllLines(undelivered).Length : 0);
        Assert.DoesNotContain("consumer v3", output);
    }

    private static long Number(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        Assert.True(match.Success, $"'{pattern}' not in output:\n{output}");
        return long.Parse(match.Groups[1].Value);
    }

    [GeneratedRegex(@"Message totals for consumer: received (?<received>\d+), handled (?<handled>\d+), failed (?<failed>\d+), retried (?<retried>\d+), dead-lettered (?<dead>\d+), dropped (?<dropped>\d+), waiting (?<waiting>\d+)")]
    private static partial Regex OwnerTotals();

    [GeneratedRegex(@"consumer v\d/\d handled=(\d+)")]
    private static partial Regex Teardown();
}
