using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Isolation;

// Draining the host's inbox into the worker: one message in flight at a time (the inbox tracks one handler per
// runtime, for timeouts), each outcome reported as it comes back. Pipelining several is a later step.
internal sealed partial class WorkerRuntime
{
    private int _pumping;
    private int _again;

    public bool Schedule(IMessageSource source)
    {
        if (Volatile.Read(ref _ending) != 0 || Volatile.Read(ref _closed) != 0)
            return false;
        Volatile.Write(ref _again, 1);
        if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
            _ = Task.Run(() => PumpAsync(source));
        return true;
    }

    private async Task PumpAsync(IMessageSource source)
    {
        var handlers = new int[8];
        while (true)
        {
            Volatile.Write(ref _again, 0);
            Exception? failure = null;
            if (source.BeginBatch(this))
            {
                try
                {
                    // Not once the channel closed: what is still queued waits in the inbox for the restarted worker.
                    while (Volatile.Read(ref _closed) == 0 && TakeNext(source, ref handlers, out var count) is { } message)
                    {
                        var outcome = await DeliverAsync(message, handlers.AsSpan(0, count).ToArray()).ConfigureAwait(false);
                        source.Report(this, message, outcome);
                        if (outcome.Result == HandlerResult.Exited)
                            break;
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
                source.EndBatch(this, failure);
            }
            Volatile.Write(ref _pumping, 0);
            // A Schedule that came while this batch ran set _again; whoever takes _pumping back runs it.
            if (failure is not null || Volatile.Read(ref _again) == 0 || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0)
                return;
        }
    }

    private InboundMessage? TakeNext(IMessageSource source, ref int[] handlers, out int count)
    {
        Span<int> ids = handlers;
        var message = source.Next(this, ref ids, out count);
        if (ids.Length > handlers.Length)
            handlers = ids.ToArray();
        return message;
    }

    /// <summary>Sends one message and waits for its outcome; a lost worker is the outcome Failed (the inbox retries or dead-letters it).</summary>
    private async Task<HandlerOutcome> DeliverAsync(InboundMessage message, int[] handlers)
    {
        var frame = new Frame { Kind = FrameKind.Deliver, Message = WireMessage.From(message.Message), Handlers = handlers, Flag = message.IsRequest };
        if (_calls.Send(_channel, frame) is not { } answer)
            return HandlerOutcome.Failed(new WorkerLostException("the worker's channel is closed"));
        try
        {
            var outcome = await answer.ConfigureAwait(false);
            return outcome.Outcome?.ToOutcome() ?? HandlerOutcome.Failed(new InvalidDataException("an outcome frame without an outcome"));
        }
        catch (WorkerLostException e)
        {
            return HandlerOutcome.Failed(e);
        }
    }
}
