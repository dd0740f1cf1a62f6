using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The worker's side of <see cref="IMessageSource"/>: the messages the host sent (<see cref="FrameKind.Deliver"/>)
/// waiting for the worker's interpreter, each outcome sent back with the delivery's id. The real inbox is the host's.
/// </summary>
internal sealed class WorkerSource(FrameChannel channel) : IMessageSource
{
    private readonly ConcurrentQueue<Delivered> _waiting = new();

    public void Add(Frame deliver) =>
        _waiting.Enqueue(new Delivered(deliver.Id, deliver.Message!.ToMessage(), deliver.Flag, deliver.Handlers ?? []));

    public bool BeginBatch(IInstanceRuntime runtime) => true;

    public InboundMessage? Next(IInstanceRuntime runtime, ref Span<int> handlerIds, out int handlers)
    {
        handlers = 0;
        if (!_waiting.TryDequeue(out var next))
            return null;
        if (next.Handlers.Length > handlerIds.Length)
            handlerIds = new int[next.Handlers.Length];
        next.Handlers.CopyTo(handlerIds);
        handlers = next.Handlers.Length;
        return next;
    }

    public void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome) =>
        channel.Send(new Frame { Kind = FrameKind.Outcome, Id = ((Delivered)message).DeliveryId, Outcome = WireOutcome.From(outcome) });

    public void EndBatch(IInstanceRuntime runtime, Exception? failure)
    {
        if (failure is not null)
            Console.Error.WriteLine($"pluginhost worker: a batch failed: {failure}");
    }

    private sealed class Delivered(long deliveryId, Message message, bool isRequest, int[] handlers) : InboundMessage(message, isRequest)
    {
        public long DeliveryId { get; } = deliveryId;

        public int[] Handlers { get; } = handlers;
    }
}
