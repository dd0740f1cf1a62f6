using System.Buffers;
using System.Threading.Channels;
using NATS.Client.Core;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>What arrived on one of the transport's subscriptions, its headers read (ours only) and its payload copied.</summary>
internal sealed record NatsInbound(string Subject, string? ReplyTo, WireHeaders Headers, byte[] Payload);

/// <summary>
/// A core subscription that hands each message to the transport on NATS.Net's reader, without the client's channel
/// and a task reading it: one thread hop and a <see cref="NatsMsg{T}"/> with its header dictionary less per message.
/// A delivery that must wait for room (a full inbox) goes on in <see cref="Backlog"/> instead, and so do the
/// messages after it until it is done, in order: the reader goes on with other subscriptions' messages unless this
/// backlog is full too (then it waits, as the client's channel in Wait mode did).
/// </summary>
internal sealed class NatsInboundSub : NatsSubBase
{
    private const int BacklogCapacity = 1024;   // as NATS.Net's own pending channel

    private readonly Func<NatsInbound, ValueTask> _deliver;
    // Tasks (deliveries waiting for room) and messages not yet delivered, in arrival order.
    private readonly Channel<object> _backlog = Channel.CreateBounded<object>(
        new BoundedChannelOptions(BacklogCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    // Written to the backlog and not yet finished; only the reader adds, only Backlog subtracts. While it is above
    // zero a new message joins the backlog, so none overtakes one that waits.
    private int _unfinished;

    /// <param name="deliver">Never throws; completes when the message is where it goes (or counted as not).</param>
    public NatsInboundSub(INatsConnection connection, string subject, string? queueGroup, Func<NatsInbound, ValueTask> deliver)
        : base(connection, connection.SubscriptionManager, subject, queueGroup, opts: null)
    {
        _deliver = deliver;
        Backlog = Task.Run(FinishBacklogAsync);
    }

    /// <summary>Finishes what had to wait; completes once the subscription has ended and all of it is done.</summary>
    public Task Backlog { get; }

    protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
    {
        var inbound = new NatsInbound(subject, replyTo, WireHeaders.Parse(headersBuffer), payloadBuffer.ToArray());
        if (Volatile.Read(ref _unfinished) > 0) return Defer(inbound);
        var delivering = _deliver(inbound);
        if (!delivering.IsCompletedSuccessfully) return Defer(delivering.AsTask());
        delivering.GetAwaiter().GetResult();
        return default;
    }

    private ValueTask Defer(object item)
    {
        Interlocked.Increment(ref _unfinished);
        return _backlog.Writer.TryWrite(item) ? default : _backlog.Writer.WriteAsync(item);
    }

    private async Task FinishBacklogAsync()
    {
        await foreach (var item in _backlog.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await (item is Task waiting ? waiting : _deliver((NatsInbound)item).AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Interlocked.Decrement(ref _unfinished);
        }
    }

    protected override void TryComplete() => _backlog.Writer.TryComplete();
}
