using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;

namespace PluginHost.Interpreter;

// Many messages in flight (MaxConcurrency above 1, docs/messaging.md#concurrency): an async handler that waits leaves
// its message as a task of the instance's event loop, and the drain takes the next while slots are free. With every
// slot taken, or nothing queued, this thread runs the loop (pluginhost._pump) until a task ends or other work arrives
// (WorkQueue writes a byte to the loop's wake socket); the loop never runs on any other thread. Outcomes are reported
// as tasks end, each exactly once.
public sealed partial class SubInterpreter
{
    private readonly Dictionary<long, (IMessageSource Source, InboundMessage Message)> _inFlight = [];
    private int _inFlightCount;   // _inFlight.Count, readable from other threads
    private int _wakeFd = -1;

    public int InFlight => Volatile.Read(ref _inFlightCount);

    private void DeliverConcurrently(IMessageSource source, int limit)
    {
        using var dispatcher = SdkDispatcher.For(_scope, concurrent: true);
        Span<int> handlerIds = stackalloc int[16];
        var taken = 0;
        while (true)
        {
            while (_inFlight.Count < limit && taken < DeliveryBatchSize && source.Next(this, ref handlerIds, out var handlers) is { } message)
            {
                taken++;
                HandlerOutcome outcome;
                try
                {
                    outcome = dispatcher.Deliver(message.Message, handlerIds[..handlers], message.IsRequest);
                    if (outcome.Result == HandlerResult.InFlight)
                    {
                        var key = dispatcher.Suspend();
                        _inFlight[key] = (source, message);
                        Volatile.Write(ref _inFlightCount, _inFlight.Count);
                        source.Suspended(this, message);
                        continue;
                    }
                }
                catch (PythonException e) when (e.PythonType == "SystemExit")
                {
                    source.Report(this, message, HandlerOutcome.Exited(e));
                    return;
                }
                catch (Exception e)
                {
                    outcome = HandlerOutcome.Failed(e);
                }
                source.Report(this, message, outcome);
            }
            // Nothing in flight, a full batch, or other work waiting: the drain ends (posted again while any is in flight).
            if (_inFlight.Count == 0 || taken >= DeliveryBatchSize || !Pump(dispatcher))
                return;
        }
    }

    /// <summary>
    /// Runs the loop until a message in flight ends (unless other work waits) and reports those that ended; false when
    /// the thread has other work, or an outcome ended the instance (SystemExit).
    /// </summary>
    private bool Pump(SdkDispatcher dispatcher)
    {
        if (_wakeFd < 0)
            _wakeFd = dispatcher.WakeFd();
        var run = _work.PumpingOn(_wakeFd);
        long[]? ended;
        try
        {
            ended = dispatcher.Pump(run);
        }
        finally
        {
            if (run)
                _work.PumpingOff();
        }
        if (ended is null)
        {
            FailInFlight("its task was still running when the instance's event loop closed");
            return false;
        }
        foreach (var key in ended)
        {
            if (!_inFlight.Remove(key, out var entry))
                continue;
            Volatile.Write(ref _inFlightCount, _inFlight.Count);
            var (source, message) = entry;
            HandlerOutcome outcome;
            try
            {
                outcome = dispatcher.Finish(message.Message, key, message.IsRequest);
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
        }
        return run && _work.IsEmpty;
    }

    /// <summary>Every message still in flight fails with <paramref name="reason"/> (its task will never end): none is left uncounted.</summary>
    private void FailInFlight(string reason)
    {
        if (_inFlight.Count == 0)
            return;
        var left = _inFlight.Values.ToArray();
        _inFlight.Clear();
        Volatile.Write(ref _inFlightCount, 0);
        foreach (var (source, message) in left)
            source.Report(this, message, HandlerOutcome.Failed(new InvalidOperationException(reason)));
    }
}
