using System.Collections.Concurrent;
using System.Text;
using NATS.Client.Core;

namespace PluginHost.Host.Tests.Nats;

/// <summary>
/// The test's own NATS client, a peer of the hosts speaking their wire format (docs/scale-out.md): it triggers
/// plugins by publishing on their topics and collects what they publish back, under one subject prefix.
/// </summary>
internal sealed class NatsPeer : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly ConcurrentQueue<(string Subject, string Text, NatsHeaders? Headers)> _seen = new();
    private readonly List<INatsSub<byte[]>> _subs = [];
    private readonly CancellationTokenSource _stop = new();

    private NatsPeer(NatsConnection connection) => _connection = connection;

    public static async Task<NatsPeer> ConnectAsync(string url)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = url, Name = "test-peer" });
        await connection.ConnectAsync();
        return new NatsPeer(connection);
    }

    public NatsConnection Connection => _connection;

    /// <summary>Everything received so far on the subjects passed to <see cref="CollectAsync"/>.</summary>
    public IReadOnlyList<(string Subject, string Text, NatsHeaders? Headers)> Seen => [.. _seen];

    /// <summary>Collects every message on <paramref name="subject"/> (a pattern) from now on; returns after the server has the subscription.</summary>
    public async Task CollectAsync(string subject)
    {
        var sub = await _connection.SubscribeCoreAsync<byte[]>(subject);
        _subs.Add(sub);
        _ = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync(_stop.Token))
                _seen.Enqueue((msg.Subject, Encoding.UTF8.GetString(msg.Data ?? []), msg.Headers));
        });
        await _connection.PingAsync();
    }

    /// <summary>Publishes <paramref name="text"/> as a text payload (<c>Ph-Content-Type</c>), so a plugin gets a str.</summary>
    public async Task PublishTextAsync(string subject, string text)
    {
        var headers = new NatsHeaders { ["Ph-Content-Type"] = "text/plain; charset=utf-8", ["Ph-Sender"] = "test-peer" };
        await _connection.PublishAsync(subject, Encoding.UTF8.GetBytes(text), headers);
    }

    /// <summary>Publishes JSON <paramref name="json"/>, so a plugin gets the decoded value.</summary>
    public async Task PublishJsonAsync(string subject, string json)
    {
        var headers = new NatsHeaders { ["Ph-Content-Type"] = "application/json", ["Ph-Sender"] = "test-peer" };
        await _connection.PublishAsync(subject, Encoding.UTF8.GetBytes(json), headers);
    }

    /// <summary>Waits until <paramref name="done"/> holds for what was seen; fails with what was seen otherwise.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<(string Subject, string Text, NatsHeaders? Headers)>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Seen))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} did not happen; seen {Seen.Count}:\n{string.Join("\n", Seen.Take(50).Select(s => $"{s.Subject}: {s.Text}"))}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var sub in _subs)
            await sub.DisposeAsync();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
