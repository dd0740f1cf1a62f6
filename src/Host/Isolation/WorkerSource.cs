using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The worker's side of <see cref="IMessageSource"/>: the messages the host sent (<see cref="FrameKind.Deliver"/>
/// batches) waiting for the worker's interpreter, run in the order sent, each outcome sent back with its delivery
/// number. The real inbox is the host's.
/// </summary>
internal sealed class WorkerSource(FrameChannel channel) : IMessageSource
{
    private readonly ConcurrentQueue<Delivered> _waiting = new();
    private long _running;
    private volatile bool _exited;

    /// <summary>The delivery whose handlers run now (0: none); read with the interpreter's GIL held, as it is written.</summary>
    public long Running => Volatile.Read(ref _running);

    public void Add(WireDelivery delivery)
    {
        _waiting.Enqueue(new Delivered(delivery.Id, delivery.Message.ToMessage(), delivery.Request, delivery.Handlers ?? []));
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
        return next;
    }

    public void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome)
    {
        Volatile.Write(ref _running, 0);
        Send(((Delivered)message).DeliveryId, WireOutcome.From(outcome));
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

    private void FailWaiting()
    {
        while (_waiting.TryDequeue(out var left))
            Send(left.DeliveryId, new WireOutcome { Result = HandlerResult.NotRun, Reason = "not run: the plugin called sys.exit() before it" });
    }

    private void Send(long delivery, WireOutcome outcome) => channel.Send(new Frame { Kind = FrameKind.Outcome, Id = delivery, Outcome = outcome });

    private sealed class Delivered(long deliveryId, Message message, bool isRequest, int[] handlers) : InboundMessage(message, isRequest)
    {
        public long DeliveryId { get; } = deliveryId;

        public int[] Handlers { get; } = handlers;
    }
}
