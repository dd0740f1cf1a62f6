using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>SIGTERM while one plugin floods another: a clean exit, and every message accounted for in the log.</summary>
public sealed partial class ShutdownUnderLoadTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task SigtermDuringHeavyTrafficExitsZeroWithEveryMessageAccountedFor()
    {
        // The consumer depends on the producer, so it starts after it and stops first, while the producer still publishes.
        var producer = _folders.Plugin("a-producer", PluginFolders.Manifest("a-producer"));
        File.WriteAllText(Path.Combine(producer, "main.py"), FloodingProducer.Source);
        var consumer = _folders.Plugin("b-consumer", PluginFolders.Manifest("b-consumer", extra: """ "subscriptions": ["load.data"], "dependsOn": ["a-producer"] """));
        File.WriteAllText(Path.Combine(consumer, "main.py"), """
            handled = 0

            def on_message(message):
                global handled
                handled += 1
                if handled == 20000:
                    print("consumer busy")
            """);
        var undelivered = Path.Combine(_folders.Root, "undelivered.jsonl");
        using var host = HostProcess.Start([
            $"--PluginHost:PluginDirectories:0={_folders.Root}",
            $"--PluginHost:Broker:UndeliveredFile={undelivered}",
            "--PluginHost:Broker:InboxCapacity=256"]);
        await host.WaitForOutputAsync("consumer busy", TimeSpan.FromMinutes(1));

        var output = await host.StopAsync();
        var sent = Number(output, @"producer sent=(\d+)");
        var errors = Number(output, @"producer sent=\d+ errors=(\d+)");
        var totals = OwnerTotals().Match(output);
        Assert.True(totals.Success, output);
        var (received, handled, failed, dropped, waiting) = (Long(totals, "received"), Long(totals, "handled"), Long(totals, "failed"), Long(totals, "dropped"), Long(totals, "waiting"));
        var unrouted = Number(output, @"Message totals at stop: .*unrouted (\d+)");

        log.WriteLine($"sent {sent}, errors {errors}; consumer received {received}, handled {handled}, dropped {dropped}; unrouted {unrouted}");
        Assert.True(handled >= 20_000, output);
        Assert.Equal((0L, 0L), (failed, waiting));
        // Every publish the producer made either reached the consumer's inbox or, once the consumer had stopped,
        // found nobody subscribed (unrouted) or was refused (an error in the producer, a drop for the consumer).
        // Everything the inbox took was handled or dropped: handled + dropped + unrouted = sent + errors.
        Assert.True(handled + dropped + unrouted == sent + errors,
            $"handled {handled} + dropped {dropped} + unrouted {unrouted} != sent {sent} + errors {errors} (received {received})");
        // Every drop was also written to the undelivered file, one JSON line each.
        var lines = File.Exists(undelivered) ? File.ReadAllLines(undelivered).Length : 0;
        Assert.Equal(dropped, lines);
        Assert.DoesNotContain("Fatal Python error", output);
    }

    private static long Number(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        Assert.True(match.Success, $"'{pattern}' not in output:\n{output}");
        return long.Parse(match.Groups[1].Value);
    }

    private static long Long(Match match, string group) => long.Parse(match.Groups[group].Value);

    [GeneratedRegex(@"Message totals for b-consumer: received (?<received>\d+), handled (?<handled>\d+), failed (?<failed>\d+), retried \d+, dead-lettered \d+, dropped (?<dropped>\d+), waiting (?<waiting>\d+)")]
    private static partial Regex OwnerTotals();
}
