using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Messaging;

/// <summary>
/// One plugin instance's bounded inbox. Writers (any thread) only enqueue and, on the empty → non-empty edge, ask the
/// attached runtime to drain it (<see cref="IInstanceRuntime.Schedule"/>); the runtime takes a batch, runs each
/// message's handlers and reports each outcome here (<see cref="IMessageSource"/>), which hands it to the broker. The
/// inbox outlives runtimes: while none is attached (the instance restarts) messages wait in it, and the manifest's
/// subscriptions keep routing here; subscriptions made by Python code die with their runtime (<see cref="Detach"/>)
/// and are made again by the plugin's start.
/// </summary>
internal sealed class PluginInbox : IMessageEndpoint, IMessageSource
{
    private readonly InboxQueue<Delivery> _queue;
    private IInstanceRuntime? _runtime;
    private readonly IDisposable[] _retained;
    private readonly MessageBroker _broker;
    private readonly ILogger _logger;
    private ImmutableDictionary<int, (TopicPattern Pattern, IDisposable Subscription)> _subscriptions =
        ImmutableDictionary<int, (TopicPattern, IDisposable)>.Empty;

    // What the drain matches against, rebuilt on every (rare) subscription change: iterating an array per message
    // costs nothing, enumerating the immutable dictionary was 8% of a busy subscriber's thread.
    private (int Id, TopicPattern Pattern)[] _matchers = [];
    private int _drainScheduled;
    private volatile string _byteBound = "PluginHost:Broker:InboxMaxBytes";   // what set the inbox's byte bound, for refusals
    private volatile bool _exitRequested;
    // Odd while a handler runs; advanced by the attached interpreter's thread (and by Detach for one left behind).
    // No clock is read per message: the watchdog times a handler from the first tick that sees its sequence number.
    // On a cache line of its own: the interpreter's thread writes it twice per message, publishers read fields nearby.
    private PaddedLong _handlerSequence;
    private readonly Lock _watch = new();
    private long _watchedSequence;
    private long _watchedSince;
    private long _interruptedSequence;
    private string _handlerTopic = "";
    // The delivery whose handler runs (or last ran) on the attached interpreter, written by its thread; one left
    // running in a detached interpreter is remembered with that interpreter, for GiveUpInFlight.
    private Delivery? _current;
    // Taken while an earlier one's handler still ran: a runtime with several messages in flight (a worker process)
    // runs them in order and reports them in order, so each becomes _current when the one before it is reported.
    // Touched only by the attached runtime's drain and by Detach, under _watch; never used by an in-process runtime.
    private Queue<Delivery>? _queuedInFlight;
    // Given back unrun (HandlerResult.NotRun), in the order taken: the next ones taken, before the queue's. Under _watch.
    private Queue<Delivery>? _returned;
    // Set once what is left has been given its final outcome (stop, or no more restarts): one given back later gets it too.
    private Action<Delivery>? _emptied;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IInstanceRuntime, Delivery> _leftBehind = [];

    /// <param name="retainedPatterns">Subscriptions held for the inbox's whole life (the manifest's), across restarts.</param>
    public PluginInbox(string owner, int instance, int capacity, MessageBroker broker, ILogger logger, IEnumerable<string>? retainedPatterns = null)
    {
        Owner = owner;
        Instance = instance;
        _broker = broker;
        _logger = logger;
        _queue = new InboxQueue<Delivery>(capacity, broker.Options.InboxMaxBytes);
        _retained = [.. (retainedPatterns ?? []).Select(p => broker.Subscribe(p, this))];
    }

    /// <summary>Called after a handler raised (on the interpreter's thread), for the instance's failure-rate limit.</summary>
    public Action? HandlerFailure { get; set; }

    /// <summary>Handlers of <paramref name="runtime"/> run what is queued, and what comes; called once its plugin has started.</summary>
    public void Attach(IInstanceRuntime runtime)
    {
        _exitRequested = false;
        lock (_watch)
            _emptied = null;
        Volatile.Write(ref _runtime, runtime);
        // A drain posted to a previous interpreter may never have run: start afresh.
        Volatile.Write(ref _drainScheduled, 0);
        if (Depth > 0)
            ScheduleDrain();
    }

    /// <summary>
    /// No interpreter handles messages until the next <see cref="Attach"/>; they wait (bounded). Subscriptions made by
    /// Python code end with their interpreter; the retained ones stay.
    /// </summary>
    public void Detach()
    {
        if (Handling && Volatile.Read(ref _runtime) is { } detached && Volatile.Read(ref _current) is { } running)
            _leftBehind.AddOrUpdate(detached, running);
        Volatile.Write(ref _runtime, null);
        if (Volatile.Read(ref _queuedInFlight) is not null)
        {
            lock (_watch)
                _queuedInFlight?.Clear();   // the runtime left behind still reports them (failed when it is gone)
        }
        // A handler still running there (blocked in C) is no longer this inbox's: the watchdog must not see it.
        EndHandler(Volatile.Read(ref _handlerSequence.Value));
        var made = Interlocked.Exchange(ref _subscriptions, ImmutableDictionary<int, (TopicPattern, IDisposable)>.Empty);
        RebuildMatchers();
        foreach (var (_, subscription) in made.Values)
            subscription.Dispose();
    }

    public string Owner { get; }

    public int Instance { get; }

    public int Depth => _queue.Count + (Volatile.Read(ref _returned)?.Count ?? 0);

    /// <summary>Payload bytes waiting in the inbox (part of the instance's memory figure).</summary>
    public long WaitingBytes => _queue.Bytes;

    /// <summary>
    /// Bounds the waiting payload bytes to <paramref name="bytes"/> when that is below PluginHost:Broker:InboxMaxBytes
    /// (null: back to it); <paramref name="why"/> says where the bound comes from, for the refusal.
    /// </summary>
    public void LimitBytes(long? bytes, string why)
    {
        var configured = _broker.Options.InboxMaxBytes;
        var bound = bytes is { } b && b < configured ? Math.Max(b, 0) : configured;
        _byteBound = bound < configured ? why : "PluginHost:Broker:InboxMaxBytes";
        _queue.MaxBytes = bound;
    }

    public string? FullReason(Delivery delivery) => _queue.BytesFullReason(delivery.Message.Payload.Length, _byteBound);

    // Handlers see payloads through Message objects that take their own lease (see PayloadLease).
    public bool ReleasesPayloads => true;

    public bool TryDeliver(Delivery delivery)
    {
        if (!_queue.TryWrite(delivery, delivery.Message.Payload.Length))
            return false;
        ScheduleDrain();
        return true;
    }

    public async ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        await _queue.WriteAsync(delivery, delivery.Message.Payload.Length, cancellationToken);
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
        foreach (var subscription in _retained)
            subscription.Dispose();
        _queue.Close();
    }

    /// <summary>The instance will not run again: what is queued is dead-lettered (requests fail) with <paramref name="reason"/>.</summary>
    public int DeadLetterRemaining(string reason) => EmptyInto(delivery => _broker.Abandoned(delivery, reason));

    /// <summary>After the interpreter has ended: whatever is left is reported to the broker as dropped (counted, logged), never silently lost.</summary>
    public int DropRemaining(string reason) => EmptyInto(delivery => _broker.Dropped(delivery, reason));

    /// <summary>
    /// Closed and never attached (a live replacement that failed to start): what is queued goes to the plugin's other
    /// instances (<see cref="MessageBroker.HandBack"/>), or is dropped with <paramref name="reason"/> when none has room.
    /// </summary>
    public int HandBackRemaining(string reason) => EmptyInto(delivery => _broker.HandBack(delivery, reason));

    /// <summary>Takes everything queued, giving each delivery its <paramref name="outcome"/>; returns how many.</summary>
    private int EmptyInto(Action<Delivery> outcome)
    {
        lock (_watch)
            _emptied = outcome;
        var count = 0;
        while (TryTakeReturned(out var returned))
        {
            outcome(returned);
            count++;
        }
        while (_queue.TryRead(out var delivery))
        {
            outcome(delivery);
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
        var sequence = Volatile.Read(ref _handlerSequence.Value);
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
        _ = Volatile.Read(ref _runtime)?.InterruptAsync(() => Volatile.Read(ref _handlerSequence.Value) == sequence);
    }

    private void RebuildMatchers() =>
        Volatile.Write(ref _matchers, _subscriptions.Select(s => (s.Key, s.Value.Pattern)).ToArray());

    /// <summary>
    /// <paramref name="runtime"/> was abandoned: the message its handler was running, if it has no outcome yet, gets
    /// one now — failed (retried or dead-lettered as any failure) or, at stop, dropped — so it is counted once even
    /// though the handler never returns; if it does return, its result is discarded. True when there was one.
    /// </summary>
    public bool GiveUpInFlight(IInstanceRuntime runtime, bool stopping, string reason)
    {
        var delivery = ReferenceEquals(Volatile.Read(ref _runtime), runtime)
            ? Handling ? Volatile.Read(ref _current) : null
            : _leftBehind.TryGetValue(runtime, out var left) ? left : null;
        if (delivery is null || !delivery.ClaimOutcome())
            return false;
        if (stopping)
            _broker.Dropped(delivery, reason);
        else
            _broker.Failed(delivery, reason);
        return true;
    }

    /// <summary>Whether a handler call is under way on the attached interpreter: its message has no outcome yet.</summary>
    public bool Handling => (Volatile.Read(ref _handlerSequence.Value) & 1) == 1;

    /// <summary>How long the running handler has run as the watchdog saw it (from its first sighting), or null when none runs.</summary>
    public TimeSpan? HandlerRunning
    {
        get
        {
            var sequence = Volatile.Read(ref _handlerSequence.Value);
            lock (_watch)
                return (sequence & 1) == 1 && sequence == _watchedSequence ? Stopwatch.GetElapsedTime(_watchedSince) : null;
        }
    }

    private void ScheduleDrain()
    {
        // Read first: while a drain is pending (a busy inbox) every publish would otherwise write this shared line.
        if (Volatile.Read(ref _drainScheduled) != 0 || Interlocked.Exchange(ref _drainScheduled, 1) != 0)
            return;
        // Detached (restarting): the messages wait; Attach schedules the drain.
        if (Volatile.Read(ref _runtime) is not { } runtime || !runtime.Schedule(this))
            Volatile.Write(ref _drainScheduled, 0);
    }

    /// <summary>Called (on the interpreter's thread) when a handler raised SystemExit: the instance is to stop; no more handlers run.</summary>
    public Action<PythonException>? ExitRequested { get; set; }

    // The calls below are the attached runtime's (IMessageSource), on its thread: quick, and they never throw.

    public bool BeginBatch(IInstanceRuntime runtime)
    {
        // Posted before a restart to a runtime no longer attached: it must not take messages from its successor.
        if (!Attached(runtime))
            return false;
        Volatile.Write(ref _drainScheduled, 0);
        return !_exitRequested;   // sys.exit() was called: what is left waits for a restart, or is counted at stop
    }

    /// <summary>
    /// How many messages of this instance may be in flight at once (PluginHost:Plugins:&lt;name&gt;:MaxConcurrency or
    /// the manifest's <c>maxConcurrency</c>); only async handlers that wait use more than one.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    private bool StopsTaking => MaxConcurrency > 1 && _queue.IsClosed;

    public InboundMessage? Next(IInstanceRuntime runtime, ref Span<int> handlerIds, out int handlers)
    {
        handlers = 0;
        // Concurrent: a stop takes no more (those in flight finish or are cancelled; what waits is dropped, counted).
        if (_exitRequested || !Attached(runtime) || StopsTaking
            || !(TryTakeReturned(out var delivery) || _queue.TryRead(out delivery)))
            return null;
        var message = delivery.Message;
        handlers = MatchingHandlers(message, ref handlerIds);
        delivery.StartHandling();
        if (Handling)
        {
            // Another is in flight (a worker's window): this one's handler starts when those before it are reported.
            // Its span is made now, as the worker is told its ids with the message, and timed from then (StartHandler).
            delivery.Trace = Telemetry.MessageTracing.StartHandler(delivery.Message, Owner, Instance);
            lock (_watch)
                (_queuedInFlight ??= new()).Enqueue(delivery);
            return delivery;
        }
        StartHandler(delivery);
        return delivery;
    }

    /// <summary>The span of the handler running now, when traced: what the plugin sends from it is its child.</summary>
    public System.Diagnostics.Activity? CurrentTrace => Volatile.Read(ref _current)?.Trace;

    /// <summary>The message whose handler runs now, if any (its trace for <c>pluginhost</c>'s trace ids).</summary>
    public PluginHost.Sdk.Messaging.Message? CurrentMessage => Handling ? Volatile.Read(ref _current)?.Message : null;

    private void StartHandler(Delivery delivery)
    {
        if (delivery.Trace is { } early)
            early.SetStartTime(DateTime.UtcNow);   // made when it went to a worker behind others: its run starts now
        else
            delivery.Trace = Telemetry.MessageTracing.StartHandler(delivery.Message, Owner, Instance);
        Volatile.Write(ref _current, delivery);
        if (!ReferenceEquals(_handlerTopic, delivery.Message.Topic))
            _handlerTopic = delivery.Message.Topic;   // a stream on one topic shares one string: no write per message
        Volatile.Write(ref _handlerSequence.Value, _handlerSequence.Value + 1);
    }

    /// <summary>Its handler's task waits on the loop: no handler runs on the thread for it now (the watchdog times none).</summary>
    public void Suspended(IInstanceRuntime runtime, InboundMessage message)
    {
        if (Attached(runtime))
            EndHandler(Volatile.Read(ref _handlerSequence.Value));
    }

    /// <summary>Each outcome is given only if the host has not given up on this handler meanwhile (<see cref="GiveUpInFlight"/>).</summary>
    public void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome)
    {
        var delivery = (Delivery)message;
        Telemetry.MessageTracing.End(delivery.Trace, outcome.Result is HandlerResult.Handled or HandlerResult.NotRun ? null : outcome.Reason ?? outcome.Result.ToString());
        delivery.Trace = null;
        // The handler tracking belongs to the attached runtime; one left behind must not end its successor's.
        if (Attached(runtime))
        {
            EndHandler(Volatile.Read(ref _handlerSequence.Value));
            if (Volatile.Read(ref _queuedInFlight) is not null)
                StartNextInFlight();
        }
        switch (outcome.Result)
        {
            case HandlerResult.Handled:
                if (delivery.ClaimOutcome())
                    _broker.Completed(delivery, outcome.Reply);
                break;
            case HandlerResult.Undecodable:
                // A payload that does not decode is its sender's fault: dead-lettered at once, never a handler failure.
                if (delivery.ClaimOutcome())
                    _broker.Undecodable(delivery, outcome.Reason!);
                break;
            case HandlerResult.NotRun:
                // Its handlers never started (a lost worker's window): first again in line, for the next runtime.
                if (delivery.ClaimOutcome())
                {
                    Action<Delivery>? final;
                    lock (_watch)
                    {
                        final = _emptied;
                        if (final is null)
                        {
                            if (_returned is null)
                                Volatile.Write(ref _returned, new Queue<Delivery>());
                            _returned!.Enqueue(delivery);
                        }
                    }
                    final?.Invoke(delivery);   // too late to wait: the instance will not take it (dropped or dead-lettered, counted)
                }
                break;
            case HandlerResult.Exited:
                // sys.exit() in a handler stops this instance only (PluginInstance); the message counts as failed.
                _exitRequested = true;
                if (delivery.ClaimOutcome())
                    _broker.Failed(delivery, outcome.Reason!);
                ExitRequested?.Invoke((PythonException)outcome.Error!);
                break;
            default:
                // Whatever went wrong, the delivery gets an outcome: a message is never lost without a count.
                if (outcome.Error is PythonException python)
                    _logger.HandlerFailed(Owner, Instance, message.Message.Topic, python.PythonTraceback.TrimEnd());
                if (delivery.ClaimOutcome())
                    _broker.Failed(delivery, outcome.Reason ?? "the handler failed");
                HandlerFailure?.Invoke();
                break;
        }
    }

    public void EndBatch(IInstanceRuntime runtime, Exception? failure)
    {
        if (failure is not null)
            _logger.InboxDeliveryFailed(failure, Owner, Instance);
        // With messages in flight the runtime comes back by itself to run its loop, and takes more as slots free.
        if (failure is null && Depth > 0 && !StopsTaking && runtime.InFlight == 0)
            ScheduleDrain();
    }

    private bool TryTakeReturned(out Delivery delivery)
    {
        delivery = null!;
        if (Volatile.Read(ref _returned) is not { Count: > 0 })
            return false;
        lock (_watch)
        {
            if (_returned is not { Count: > 0 } returned)
                return false;
            delivery = returned.Dequeue();
            return true;
        }
    }

    /// <summary>The next message in flight (a worker's window) is the one whose handler now runs, timed afresh.</summary>
    private void StartNextInFlight()
    {
        lock (_watch)
        {
            if (_queuedInFlight is { Count: > 0 } queued && !Handling)
                StartHandler(queued.Dequeue());
        }
    }

    // Odd → even, once: Detach and the runtime's thread may both try.
    private void EndHandler(long sequence)
    {
        if ((sequence & 1) == 1)
            Interlocked.CompareExchange(ref _handlerSequence.Value, sequence + 1, sequence);
    }

    private bool Attached(IInstanceRuntime runtime) => ReferenceEquals(runtime, Volatile.Read(ref _runtime));

    /// <summary>
    /// Messages addressed to the plugin go to its direct handler; topic messages to every matching subscription, however
    /// many: <paramref name="ids"/> (16 on the stack) is replaced by a larger array when they do not fit.
    /// </summary>
    private int MatchingHandlers(Sdk.Messaging.Message message, ref Span<int> ids)
    {
        if (message.To is not null)
        {
            ids[0] = HandlerIds.Direct;
            return 1;
        }
        var count = 0;
        foreach (var (id, pattern) in Volatile.Read(ref _matchers))
        {
            if (!pattern.Matches(message.Topic))
                continue;
            if (count == ids.Length)
                ids = Grow(ids);
            ids[count++] = id;
        }
        return count;
    }

    private static Span<int> Grow(Span<int> ids)
    {
        var larger = new int[ids.Length * 2];
        ids.CopyTo(larger);
        return larger;
    }
}
