using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Messaging;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Modules;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// One plugin instance's bounded inbox. Writers (any thread) only enqueue and, on the empty → non-empty edge, post one
/// drain to the instance's interpreter; the drain runs a batch of handlers under one GIL acquisition and reports
/// each outcome to the broker.
/// </summary>
internal sealed class PluginInbox : IMessageEndpoint
{
    private const int BatchSize = 1024;

    private readonly InboxQueue<Delivery> _queue;
    private readonly SubInterpreter _interpreter;
    private readonly MessageBroker _broker;
    private readonly ILogger _logger;
    private readonly Action<InterpreterScope> _drain;
    private readonly Action<Exception> _drainFailed;
    private ImmutableDictionary<int, (TopicPattern Pattern, IDisposable Subscription)> _subscriptions =
        ImmutableDictionary<int, (TopicPattern, IDisposable)>.Empty;

    // What the drain matches against, rebuilt on every (rare) subscription change: iterating an array per message
    // costs nothing, enumerating the immutable dictionary was 8% of a busy subscriber's thread.
    private (int Id, TopicPattern Pattern)[] _matchers = [];
    private int _drainScheduled;
    private volatile bool _exitRequested;
    // Odd while a handler runs; written only by the interpreter's thread. No clock is read per message: the
    // watchdog times a handler from the first tick that sees its sequence number.
    private long _handlerSequence;
    private readonly Lock _watch = new();
    private long _watchedSequence;
    private long _watchedSince;
    private long _interruptedSequence;
    private string _handlerTopic = "";

    public PluginInbox(string owner, int instance, int capacity, SubInterpreter interpreter, MessageBroker broker, ILogger logger)
    {
        Owner = owner;
        Instance = instance;
        _interpreter = interpreter;
        _broker = broker;
        _logger = logger;
        _queue = new InboxQueue<Delivery>(capacity);
        _drain = Drain;
        _drainFailed = e => _logger.LogError(e, "Delivering to {Plugin}/{Instance} failed", Owner, Instance);
    }

    public string Owner { get; }

    public int Instance { get; }

    public int Depth => _queue.Count;

    // Handlers see payloads through Message objects that hold their own reference (see PooledPayload).
    public bool ReleasesPayloads => true;

    public bool TryDeliver(Delivery delivery)
    {
        if (!_queue.TryWrite(delivery))
            return false;
        ScheduleDrain();
        return true;
    }

    public async ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        await _queue.WriteAsync(delivery, cancellationToken);
        ScheduleDrain();
    }

    /// <summary>Registers handler <paramref name="handlerId"/> of this instance for <paramref name="pattern"/> with the broker.</summary>
    public void Subscribe(string pattern, int handlerId)
    {
        var parsed = TopicPattern.Parse(pattern);
        var subscription = _broker.Subscribe(pattern, this);
        ImmutableInterlocked.Update(ref _subscriptions, s => s.SetItem(handlerId, (parsed, subscription)));
        RebuildMatchers();
    }

    public bool Unsubscribe(int handlerId)
    {
        if (!ImmutableInterlocked.TryRemove(ref _subscriptions, handlerId, out var removed))
            return false;
        RebuildMatchers();
        removed.Subscription.Dispose();
        return true;
    }

    /// <summary>No new deliveries; what is queued is still drained, to the handlers it was routed for.</summary>
    public void Close()
    {
        foreach (var (_, subscription) in _subscriptions.Values)
            subscription.Dispose();
        _queue.Close();
    }

    /// <summary>After the interpreter has ended: whatever is left is reported to the broker as dropped (counted, logged), never silently lost.</summary>
    public int DropRemaining(string reason)
    {
        var count = 0;
        while (_queue.TryRead(out var delivery))
        {
            _broker.Dropped(delivery, reason);
            count++;
        }
        return count;
    }

    /// <summary>
    /// Called by the instance's watchdog every period: a handler seen running for <paramref name="limit"/> is
    /// interrupted in this interpreter only (HandlerTimeout raised inside it), once per handler call. It is first seen
    /// up to one period after it started, so it is interrupted between the limit and the limit plus one period.
    /// </summary>
    public void CheckHandlerTimeout(TimeSpan limit)
    {
        var sequence = Volatile.Read(ref _handlerSequence);
        lock (_watch)
        {
            if ((sequence & 1) == 0)
                return;
            if (sequence != _watchedSequence)
            {
                (_watchedSequence, _watchedSince) = (sequence, Stopwatch.GetTimestamp());
                return;
            }
            if (Stopwatch.GetElapsedTime(_watchedSince) < limit || _interruptedSequence == sequence)
                return;
            _interruptedSequence = sequence;
        }
        _logger.HandlerTimedOut(Owner, Instance, _handlerTopic, limit);
        _ = _interpreter.InterruptAsync(() => Volatile.Read(ref _handlerSequence) == sequence);
    }

    private void HandlerStarted(string topic)
    {
        _handlerTopic = topic;
        Volatile.Write(ref _handlerSequence, _handlerSequence + 1);
    }

    private void HandlerEnded()
    {
        if ((_handlerSequence & 1) == 1)
            Volatile.Write(ref _handlerSequence, _handlerSequence + 1);
    }

    private void RebuildMatchers() =>
        Volatile.Write(ref _matchers, _subscriptions.Select(s => (s.Key, s.Value.Pattern)).ToArray());

    private void ScheduleDrain()
    {
        if (Interlocked.Exchange(ref _drainScheduled, 1) == 0 && !_interpreter.Post(_drain, _drainFailed))
            Volatile.Write(ref _drainScheduled, 0);
    }

    /// <summary>Called (on the interpreter's thread) when a handler raised SystemExit: the instance is to stop; no more handlers run.</summary>
    public Action<PythonException>? ExitRequested { get; set; }

    private void Drain(InterpreterScope scope)
    {
        Volatile.Write(ref _drainScheduled, 0);
        if (_exitRequested)
            return;   // sys.exit() was called: what is left is dropped (counted) when the instance stops
        using var dispatcher = SdkDispatcher.For(scope);
        Span<int> handlerIds = stackalloc int[16];
        for (var n = 0; n < BatchSize && _queue.TryRead(out var delivery); n++)
        {
            var message = delivery.Message;
            var matched = MatchingHandlers(message, handlerIds);
            HandlerStarted(message.Topic);
            try
            {
                var reply = dispatcher.Deliver(message, handlerIds[..matched], delivery.IsRequest);
                HandlerEnded();
                _broker.Completed(delivery, reply);
            }
            catch (PythonException e) when (e.PythonType == "SystemExit")
            {
                // sys.exit() in a handler stops this instance only (PluginInstance); the message counts as failed.
                HandlerEnded();
                _exitRequested = true;
                _broker.Failed(delivery, e.Message);
                ExitRequested?.Invoke(e);
                return;
            }
            catch (PythonException e)
            {
                HandlerEnded();
                _logger.HandlerFailed(Owner, Instance, message.Topic, e.PythonTraceback.TrimEnd());
                _broker.Failed(delivery, e.Message);
            }
            catch (Exception e)
            {
                HandlerEnded();
                // Whatever went wrong, the delivery gets an outcome: a message is never lost without a count.
                _broker.Failed(delivery, e.Message);
            }
        }
        if (_queue.Count > 0)
            ScheduleDrain();
    }

    /// <summary>Messages addressed to the plugin go to its direct handler; topic messages to every matching subscription.</summary>
    private int MatchingHandlers(Sdk.Messaging.Message message, Span<int> ids)
    {
        if (message.To is not null)
        {
            ids[0] = SdkModule.DirectHandlerId;
            return 1;
        }
        var count = 0;
        foreach (var (id, pattern) in Volatile.Read(ref _matchers))
        {
            if (count < ids.Length && pattern.Matches(message.Topic))
                ids[count++] = id;
        }
        return count;
    }
}
