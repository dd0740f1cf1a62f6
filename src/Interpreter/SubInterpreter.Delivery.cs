using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;

namespace PluginHost.Interpreter;

// Draining an instance's inbox (IMessageSource) on this interpreter's thread: a batch of messages under one GIL
// acquisition, each handed to the plugin's handlers and its outcome reported back.
public sealed partial class SubInterpreter
{
    /// <summary>Messages handled under one GIL acquisition; bounds how long one busy inbox delays other work.</summary>
    private const int DeliveryBatchSize = 1024;

    private DrainWork? _drain;   // made once per source and posted again for every drain: no allocation per post

    public bool Schedule(IMessageSource source)
    {
        var drain = Volatile.Read(ref _drain);
        if (drain is null || !ReferenceEquals(drain.Source, source))
            Volatile.Write(ref _drain, drain = new DrainWork(this, source));
        return _work.TryAdd(drain);
    }

    public Task<AllocatorStatistics?> SampleAllocatorAsync() => InvokeAsync(scope => scope.ReadAllocator());

    private void Drain(IMessageSource source)
    {
        Exception? failure = null;
        try
        {
            if (!source.BeginBatch(this))
            {
                PumpOnly();   // detached, or the plugin asked to exit: what is in flight still ends and is reported
                return;
            }
            DeliverBatch(source);
        }
        catch (Exception e)
        {
            failure = e;
        }
        source.EndBatch(this, failure);
    }

    /// <summary>
    /// A handler's exception is that message's outcome, never the batch's; <c>SystemExit</c> ends the batch (the
    /// instance stops or restarts).
    /// </summary>
    private void DeliverBatch(IMessageSource source)
    {
        if (source.MaxConcurrency > 1 || _inFlight.Count > 0)
        {
            DeliverConcurrently(source, Math.Max(source.MaxConcurrency, 1));
            return;
        }
        using var dispatcher = SdkDispatcher.For(_scope);
        Span<int> handlerIds = stackalloc int[16];
        for (var n = 0; n < DeliveryBatchSize && source.Next(this, ref handlerIds, out var handlers) is { } message; n++)
        {
            if (!Handle(source, dispatcher, message, handlerIds[..handlers]))
                return;
        }
    }

    /// <summary>
    /// Runs <paramref name="message"/>'s handlers — or, given the <paramref name="key"/> it was in flight under,
    /// collects its ended task's outcome — and reports the outcome; an async handler that waits (MaxConcurrency above
    /// 1) leaves it in flight instead. False after <c>SystemExit</c>: the runtime takes no more.
    /// </summary>
    private bool Handle(IMessageSource source, in SdkDispatcher dispatcher, InboundMessage message, ReadOnlySpan<int> handlerIds, long key = 0)
    {
        HandlerOutcome outcome;
        try
        {
            outcome = key == 0
                ? dispatcher.Deliver(message.Message, handlerIds, message.IsRequest)
                : dispatcher.Finish(message.Message, key, message.IsRequest);
            if (outcome.Result == HandlerResult.InFlight)
            {
                _inFlight[dispatcher.Suspend()] = (source, message);
                _inFlightSource = source;
                source.Suspended(this, message);
                return true;
            }
        }
        catch (PythonException e) when (e.PythonType == "SystemExit")
        {
            source.Report(this, message, HandlerOutcome.Exited(e));
            return false;
        }
        catch (Exception e)
        {
            outcome = HandlerOutcome.Failed(e);
        }
        source.Report(this, message, outcome);
        return true;
    }

    /// <summary>
    /// One source's drain as queued work. It throws nothing onto the interpreter's thread: the source's own calls
    /// must not throw, and a drain refused because the interpreter ended leaves the messages queued in the source.
    /// </summary>
    private sealed class DrainWork(SubInterpreter interpreter, IMessageSource source) : WorkItem
    {
        public IMessageSource Source => source;

        internal override void Execute(InterpreterScope scope)
        {
            try
            {
                interpreter.Drain(source);
                interpreter.PostPump();
            }
            catch (Exception)
            {
                // EndBatch itself threw (a host bug): there is nothing left to tell; the messages stay queued in the
                // source. The interpreter's thread must never see a host exception.
            }
        }

        internal override void Abandon(Exception reason)
        {
        }
    }
}
