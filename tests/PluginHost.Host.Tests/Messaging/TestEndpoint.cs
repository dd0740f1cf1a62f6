using System.Threading.Channels;
using PluginHost.Host.Messaging;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>
/// A plugin instance's inbox as the broker sees it, drained by the test itself: the test takes deliveries and reports
/// Completed/Failed when it chooses, so fullness and timing are deterministic.
/// </summary>
internal sealed class TestEndpoint(string owner, int instance = 0, int capacity = 16) : IMessageEndpoint
{
    private readonly Channel<Delivery> _inbox = Channel.CreateBounded<Delivery>(capacity);

    public string Owner => owner;

    public int Instance => instance;

    public int Depth => _inbox.Reader.Count;

    public bool TryDeliver(Delivery delivery) => _inbox.Writer.TryWrite(delivery);

    public ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken) =>
        _inbox.Writer.WriteAsync(delivery, cancellationToken);

    public Task<Delivery> TakeAsync() => _inbox.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

    public List<Delivery> TakeAll()
    {
        var all = new List<Delivery>();
        while (_inbox.Reader.TryRead(out var delivery)) all.Add(delivery);
        return all;
    }

    public void Close() => _inbox.Writer.TryComplete();

    public override string ToString() => $"{owner}/{instance}";
}
