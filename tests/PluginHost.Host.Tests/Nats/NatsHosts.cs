using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Nats;

/// <summary>Real pluginhost processes on one NATS: each its own folder of plugins, one subject prefix per deployment.</summary>
internal sealed partial class NatsHosts : IDisposable
{
    private readonly List<HostProcess> _hosts = [];
    private readonly List<PluginFolders> _folders = [];

    /// <summary>A new folder of plugins for one host; add plugins with <see cref="Plugin"/>.</summary>
    public PluginFolders Folder()
    {
        var folders = new PluginFolders();
        _folders.Add(folders);
        return folders;
    }

    /// <summary>
    /// A plugin that, on its first message, pings the plugin <c>sink</c> (so the sink's host is subscribed as seen from
    /// here), then publishes <c>pump.tick</c> 0, 1, 2, ... every 10 ms until it stops, counting what failed; prints
    /// <c>pump ok=N failed=N last=N</c> at teardown.
    /// </summary>
    public const string Pump = """
            import threading, time
            import pluginhost

            stop = threading.Event()
            ok = failed = 0
            last = -1

            def pump():
                global ok, failed, last
                seq = 0
                while not stop.is_set():
                    try:
                        pluginhost.publish("pump.tick", seq)
                        ok += 1
                        last = seq
                    except RuntimeError:
                        failed += 1
                    seq += 1
                    time.sleep(0.01)

            worker = threading.Thread(target=pump)

            def on_message(message):
                # The sink's subscriptions have reached this host's server when it answers.
                pluginhost.request("ping", "", to="sink", timeout=10)
                worker.start()

            def teardown():
                stop.set()
                if worker.is_alive():
                    worker.join()
                print(f"pump ok={ok} failed={failed} last={last}")
            """;

    /// <summary>
    /// The pump's counterpart: answers its ping, keeps every <c>pump.tick</c> number, and prints at teardown how many,
    /// how many distinct, and what arrived as runs of consecutive numbers (<c>runs=0-19,25-210</c>): the holes are what
    /// an outage cost.
    /// </summary>
    public const string Sink = """
            seqs = []

            def on_message(message):
                if message.to is not None:
                    return "pong"   # the pump's ping
                seqs.append(message.payload)

            def teardown():
                # What arrived as runs of consecutive numbers: the holes are what the outage cost.
                runs, start = [], None
                for prev, cur in zip([None] + sorted(seqs), sorted(seqs) + [None]):
                    if start is None:
                        start = cur
                    elif cur is None or cur != prev + 1:
                        runs.append(f"{start}-{prev}")
                        start = cur
                print(f"sink got={len(seqs)} distinct={len(set(seqs))} runs={','.join(runs)}")
            """;

    /// <summary>A plugin in <paramref name="folders"/> with <paramref name="manifestExtra"/> and <paramref name="code"/> as main.py.</summary>
    public static void Plugin(PluginFolders folders, string name, string manifestExtra, string code)
    {
        var folder = folders.Plugin(name, PluginFolders.Manifest(name, extra: manifestExtra.Length == 0 ? null : manifestExtra));
        File.WriteAllText(Path.Combine(folder, "main.py"), code);
    }

    /// <summary>
    /// Starts a host on <paramref name="url"/> under <paramref name="prefix"/> and waits until its plugins run and its
    /// NATS subscriptions are in place (<paramref name="subscriptions"/>: the count it logs once all are).
    /// </summary>
    public async Task<HostProcess> StartAsync(PluginFolders folders, string url, string prefix, int subscriptions, params string[] more)
    {
        var host = HostProcess.Start([
            $"--PluginHost:PluginDirectories:0={folders.Root}",
            "--PluginHost:Broker:Transport=Nats",
            $"--PluginHost:Nats:Url={url}",
            $"--PluginHost:Nats:SubjectPrefix={prefix}",
            .. more]);
        _hosts.Add(host);
        await host.WaitForOutputAsync("plugin instances running", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync($"NATS subscriptions in place: {subscriptions} (", TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>The last "NATS totals at stop" of <paramref name="output"/>: sent, not sent, received, skipped, answered, reconnects.</summary>
    public static (long Sent, long Failed, long Received, long Skipped, long Answered, long Reconnects) Totals(string output)
    {
        var match = TotalsLine().Matches(output).LastOrDefault();
        Assert.True(match is not null, $"no NATS totals in:\n{output}");
        long Get(int i) => long.Parse(match.Groups[i].Value);
        return (Get(1), Get(2), Get(3), Get(4), Get(5), Get(6));
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
            host.Dispose();
        foreach (var folders in _folders)
            folders.Dispose();
    }

    [GeneratedRegex(@"NATS totals at stop: sent (\d+), not sent (\d+), received (\d+), skipped (\d+) \(served on their publishing host\), requests answered (\d+), reconnects (\d+)")]
    private static partial Regex TotalsLine();
}
