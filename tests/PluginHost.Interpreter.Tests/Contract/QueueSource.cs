using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Contract;

/// <summary>
/// The host side of <see cref="IMessageSource"/> reduced to a queue: it records every call a runtime makes, so tests
/// can check the protocol (batches, one report per message taken, nothing taken after an exit).
/// </summary>
internal sealed class QueueSource(int handlerId) : IMessageSource
{
    private readonly ConcurrentQueue<Item> _queue = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected;

    public IInstanceRuntime? Runtime { get; set; }

    public bool Refuse { get; set; }

    public int Batches;

    public int Taken;

    public ConcurrentQueue<(Message Message, HandlerOutcome Outcome)> Reports { get; } = new();

    public ConcurrentQueue<Exception?> BatchEnds { get; } = new();

    /// <summary>Completes when <see cref="Reports"/> holds as many outcomes as messages were added.</summary>
    public Task Drained => _drained.Task;

    public void Add(Message message, bool isRequest = false)
    {
        Interlocked.Increment(ref _expected);
        _queue.Enqueue(new Item(message, isRequest));
    }

    public bool BeginBatch(IInstanceRuntime runtime)
    {
        Interlocked.Increment(ref Batches);
        return !Refuse && ReferenceEquals(runtime, Runtime);
    }

    public InboundMessage? Next(IInstanceRuntime runtime, ref Span<int> handlerIds, out int handlers)
    {
        handlers = 0;
        if (!_queue.TryDequeue(out var message))
            return null;
        Interlocked.Increment(ref Taken);
        handlerIds[0] = handlerId;
        handlers = 1;
        return message;
    }

    public void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome)
    {
        Reports.Enqueue((message.Message, outcome));
        if (Reports.Count == Volatile.Read(ref _expected))
            _drained.TrySetResult();
    }

    public void EndBatch(IInstanceRuntime runtime, Exception? failure)
    {
        BatchEnds.Enqueue(failure);
        var exited = Reports.Any(r => r.Outcome.Result == HandlerResult.Exited);
        if (failure is null && !exited && !_queue.IsEmpty)
            runtime.Schedule(this);
    }

    private sealed class Item(Message message, bool isRequest) : InboundMessage(message, isRequest);
}
