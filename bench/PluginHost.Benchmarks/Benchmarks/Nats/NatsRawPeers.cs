using System.Diagnostics;
using NATS.Client.Core;

namespace PluginHost.Benchmarks.Benchmarks.Nats;

/// <summary>
/// The baseline: the bare NATS.Net client doing what the plugins do, in child processes of this program
/// (<c>--child nats-sink URL</c>, <c>--child nats-pump URL</c>, <c>--child nats-echo URL</c>).
/// </summary>
internal static class NatsRawPeers
{
    /// <summary>Counts messages on raw.data until "END", then publishes the count on raw.done and starts over (long-lived, like a host).</summary>
    public static async Task SinkAsync(string url)
    {
        // As the transport's: a full pending channel waits rather than dropping (the default drops the newest).
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url, SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait });
        await using var sub = await nats.SubscribeCoreAsync<byte[]>("raw.data");
        await nats.PingAsync();
        Console.WriteLine("ready");
        long count = 0;
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            if (msg.Data is [(byte)'E', (byte)'N', (byte)'D'])
            {
                await nats.PublishAsync("raw.done", count.ToString());
                await nats.PingAsync();
                count = 0;
                continue;
            }
            count++;
        }
    }

    /// <summary>On each raw.go (payload: count, size and optionally "headers" or "one-header"), publishes that many messages on raw.data, then "END" (long-lived).</summary>
    public static async Task PumpAsync(string url)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url });
        await using var sub = await nats.SubscribeCoreAsync<string>("raw.go");
        await nats.PingAsync();
        Console.WriteLine("ready");
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            var parts = msg.Data!.Split(' ');
            var (count, payload) = (int.Parse(parts[0]), new byte[int.Parse(parts[1])]);
            var headers = parts.Length > 2 ? parts[2] : null;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                // "headers": what the transport puts on a plugin's message (NatsWire), built per message as it does;
                // "one-header": the same three fields in one header.
                if (headers == "one-header")
                {
                    var time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await nats.PublishAsync("raw.data", payload, new NatsHeaders { ["Ph"] = $"0000019aebc1d2e3-{i:x8};{time};pump" });
                }
                else if (headers == "headers")
                {
                    await nats.PublishAsync("raw.data", payload, new NatsHeaders
                    {
                        ["Nats-Msg-Id"] = $"0000019aebc1d2e3-{i:x8}",
                        ["Ph-Time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["Ph-Sender"] = "pump",
                    });
                }
                else
                {
                    await nats.PublishAsync("raw.data", payload);
                }
            }
            var micros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count;
            await nats.PublishAsync("raw.pumpcpu", micros.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await nats.PublishAsync("raw.data", "END"u8.ToArray());
            await nats.PingAsync();
        }
    }

    /// <summary>Answers every request on raw.echo with its payload, until killed.</summary>
    public static async Task EchoAsync(string url)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url });
        await using var sub = await nats.SubscribeCoreAsync<byte[]>("raw.echo");
        await nats.PingAsync();
        Console.WriteLine("ready");
        await foreach (var msg in sub.Msgs.ReadAllAsync())
            await msg.ReplyAsync(msg.Data);
    }

    /// <summary>Starts this program as <c>--child mode url</c> and waits for its "ready".</summary>
    public static Process Start(string mode, string url)
    {
        var program = Environment.ProcessPath!;
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(program) == "dotnet")
            start.ArgumentList.Add(typeof(NatsRawPeers).Assembly.Location);
        foreach (var arg in (string[])["--child", mode, url])
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        if (process.StandardOutput.ReadLine() != "ready")
            throw new InvalidOperationException($"--child {mode} did not start: {process.StandardError.ReadToEnd()}");
        return process;
    }
}
