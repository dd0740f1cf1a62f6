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
    private IMessageSource? _inFlightSource;   // the source of those in flight (an interpreter drains one inbox)
    private PumpWork? _pump;
    private bool _pumpPosted;
    private int _wakeFd = -1;
    private int _pumpFailures;   // in a row: past a few, what is in flight fails rather than the thread spinning on it

    public int InFlight => _inFlight.Count;

    /// <summary>
    /// After a drain, with messages in flight: the loop is run again (<see cref="PumpWork"/>) once the work queued
    /// meanwhile has run, whether or not new messages come, and whether or not this runtime is still attached.
    /// </summary>
    private void PostPump()
    {
        if (_inFlight.Count == 0 || _pumpPosted)
            return;
        _pumpPosted = _work.TryAdd(_pump ??= new PumpWork(this));
    }

    private void PumpAgain()
    {
        _pumpPosted = false;
        if (_inFlight.Count > 0 && _inFlightSource is { } source)
            Drain(source);   // takes more if slots free and still attached; runs the loop either way
    }

    /// <summary>Runs the loop for what is in flight and reports what ends, taking nothing new.</summary>
    private void PumpOnly()
    {
        if (_inFlight.Count == 0)
            return;
        using var dispatcher = SdkDispatcher.For(_scope, concurrent: true);
        Pump(dispatcher);
    }

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
                if (!Handle(source, dispatcher, message, handlerIds[..handlers]))
                    return;
            }
            // Nothing in flight, a full batch, or other work waiting: the drain ends (PostPump: the loop runs again after).
            if (_inFlight.Count == 0 || taken >= DeliveryBatchSize || !Pump(dispatcher))
                return;
        }
    }

    /// <summary>
    /// Runs the loop until a message in flight ends (unless other work waits) and reports those that ended; false when
    /// the thread has other work, or an outcome ended the instance (SystemExit).
    /// </summary>
    private bool Pump(in SdkDispatcher dispatcher)
    {
        long[]? ended;
        var run = false;
        try
        {
            if (_wakeFd < 0)
                _wakeFd = dispatcher.WakeFd();
            run = _work.PumpingOn(_wakeFd);
            ended = dispatcher.Pump(run);
            _pumpFailures = 0;
        }
        catch (PythonException e)
        {
            // Raised into the loop (an interrupt meant for code that has ended): it runs again next time; a loop
            // that keeps failing fails what is in flight instead.
            if (++_pumpFailures >= 3)
                FailInFlight($"the instance's event loop failed: {e.Message}");
            return false;
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
            if (_inFlight.Remove(key, out var entry) && !Handle(entry.Source, dispatcher, entry.Message, [], key))
                return false;
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
        foreach (var (source, message) in left)
            source.Report(this, message, HandlerOutcome.Failed(new InvalidOperationException(reason)));
    }

    /// <summary>Runs the loop again for the messages in flight (<see cref="PostPump"/>); made once per interpreter.</summary>
    private sealed class PumpWork(SubInterpreter interpreter) : WorkItem
    {
        internal override void Execute(InterpreterScope scope)
        {
            try
            {
                interpreter.PumpAgain();
                interpreter.PostPump();
            }
            catch (Exception)
            {
                // As DrainWork: the source's calls do not throw; nothing may reach the interpreter's thread.
            }
        }

        internal override void Abandon(Exception reason)
        {
        }
    }
}
