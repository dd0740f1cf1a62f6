using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The worker's side of <see cref="IMessageSource"/>: the messages the host sent (<see cref="FrameKind.Deliver"/>
/// batches) waiting for the worker's interpreter, run in the order sent, each outcome sent back with its delivery
/// number. The real inbox is the host's.
/// </summary>
internal sealed class WorkerSource : IMessageSource, IDisposable
{
    /// <summary>Outcomes sent together at most; fewer when nothing else waits to run, or after <see cref="MaxDelay"/>.</summary>
    private const int MaxRun = 64;

    /// <summary>How long an outcome may wait for others to go with it (then the host sees the next message's handler as running).</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(1);

    private readonly FrameChannel _channel;
    private readonly RunningSlot? _slot;
    private readonly ConcurrentQueue<Delivered> _waiting = new();
    private readonly Lock _sending = new();
    private readonly List<WireOutcome> _outcomes = new(MaxRun);
    private readonly Timer _late;
    private long _running;
    private Delivered? _current;
    private volatile bool _exited;

    public WorkerSource(FrameChannel channel, RunningSlot? slot)
    {
        _channel = channel;
        _slot = slot;
        _late = new Timer(static self => ((WorkerSource)self!).SendOutcomes(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The delivery whose handlers run now (0: none); read with the interpreter's GIL held, as it is written.</summary>
    public long Running => Volatile.Read(ref _running);

    /// <summary>The message whose handlers run now, if any.</summary>
    public Message? RunningMessage => Volatile.Read(ref _current)?.Message;

    /// <summary>The <c>traceparent</c> of the host's span of the handler run now; null: none runs, or it is not traced.</summary>
    public string? RunningTrace => Volatile.Read(ref _current)?.Trace;

    public void Add(WireDelivery delivery)
    {
        _waiting.Enqueue(new Delivered(delivery.Id, delivery.Message.ToMessage(), delivery.Request, delivery.Handlers ?? [], delivery.Trace));
        if (_exited)
            FailWaiting();
    }

    public bool BeginBatch(IInstanceRuntime runtime) => true;

    public InboundMessage? Next(IInstanceRuntime runtime, ref Span<int> handlerIds, out int handlers)
    {
        handlers = 0;
        if (_exited || !_waiting.TryDequeue(out var next))
            return null;
        if (next.Handlers.Length > handlerIds.Length)
            handlerIds = new int[next.Handlers.Length];
        next.Handlers.CopyTo(handlerIds);
        handlers = next.Handlers.Length;
        Volatile.Write(ref _running, next.DeliveryId);
        Volatile.Write(ref _current, next);
        _slot?.Write(next.DeliveryId);
        return next;
    }

    public void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome)
    {
        Volatile.Write(ref _running, 0);
        Volatile.Write(ref _current, null);
        var id = ((Delivered)message).DeliveryId;
        _slot?.Ended(id, outcome.Result);
        _slot?.Write(0);
        Send(WireOutcome.From(id, outcome));
        if (outcome.Result != HandlerResult.Exited)
            return;
        // sys.exit(): no handler runs again here; what the host sent after it comes back unrun, to wait in the host's
        // inbox for the restart as in-process (the host expects one outcome per message).
        _exited = true;
        FailWaiting();
    }

    public void EndBatch(IInstanceRuntime runtime, Exception? failure)
    {
        if (failure is not null)
            Console.Error.WriteLine($"pluginhost worker: a batch failed: {failure}");
    }

    public void Dispose() => _late.Dispose();

    private void FailWaiting()
    {
        while (_waiting.TryDequeue(out var left))
            Send(new WireOutcome { Id = left.DeliveryId, Result = HandlerResult.NotRun, Reason = "not run: the plugin called sys.exit() before it" });
        SendOutcomes();
    }

    /// <summary>
    /// Queues an outcome to go with others in one frame: sent at once when nothing else waits to run (a request's
    /// reply is not held back) or <see cref="MaxRun"/> are queued, else within <see cref="MaxDelay"/>.
    /// </summary>
    private void Send(WireOutcome outcome)
    {
        lock (_sending)
        {
            _outcomes.Add(outcome);
            if (_outcomes.Count >= MaxRun || _waiting.IsEmpty)
                SendQueued();
            else if (_outcomes.Count == 1)
                _late.Change(MaxDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void SendOutcomes()
    {
        lock (_sending)
            SendQueued();
    }

    private void SendQueued()
    {
        if (_outcomes.Count == 0)
            return;
        _channel.Send(new Frame { Kind = FrameKind.Outcome, Outcomes = [.. _outcomes] });
        _outcomes.Clear();
    }

    private sealed class Delivered(long deliveryId, Message message, bool isRequest, int[] handlers, string? trace) : InboundMessage(message, isRequest)
    {
        public string? Trace { get; } = trace;

        public long DeliveryId { get; } = deliveryId;

        public int[] Handlers { get; } = handlers;
    }
}
