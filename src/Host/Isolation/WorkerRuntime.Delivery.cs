using System.Threading.Channels;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Isolation;

// Draining the host's inbox into the worker: up to Window messages (and about WindowBytes) in flight, sent in
// batches (one Deliver frame per run of messages taken, split at BatchBytes), their outcomes coming back one per
// message in the order sent and reported in that order, so the inbox's accounting, retries and handler timeouts see
// each message as in-process (its handler tracking follows the oldest message in flight: the one the worker runs).
internal sealed partial class WorkerRuntime
{
    /// <summary>Messages sent to the worker and not yet answered, at most (enough to keep both sides busy).</summary>
    internal const int Window = 512;

    /// <summary>Payload bytes in flight, at most (beyond one message): what a worker may hold unread, and a frame's size.</summary>
    internal const long WindowBytes = 32 << 20;

    /// <summary>Payload bytes per Deliver frame, at most (beyond one message): large messages cross a few at a time.</summary>
    internal const long BatchBytes = 4 << 20;

    // Outcome frames, from the read loop to the pump: continuations run inline, so outcomes are reported (and the
    // next batch sent) on the read loop's thread without a hop through the thread pool.
    private readonly Channel<Frame> _outcomes = Channel.CreateUnbounded<Frame>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private long _lastDelivery;
    private Exception? _lostWhy;
    // The delivery at the head of those in flight (0: none): the one whose handler runs in the worker, for Interrupt.
    private long _running;
    private int _pumping;
    private int _again;

    public bool Schedule(IMessageSource source)
    {
        if (Volatile.Read(ref _ending) != 0 || Volatile.Read(ref _closed) != 0)
            return false;
        Volatile.Write(ref _again, 1);
        // Started on the caller's thread (the publisher's, for a message just queued): it takes what waits, sends it and
        // returns at its first wait for outcomes, whose arrival continues it on the channel's receiving thread. A hop
        // through the thread pool here cost ~20 µs of every round trip to a worker (benchmarks.md, issue 15).
        if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
            _ = PumpAsync(source);
        return true;
    }

    private async Task PumpAsync(IMessageSource source)
    {
        var handlers = new int[8];
        var inFlight = new Queue<(InboundMessage Message, long Id)>();
        var batch = new List<WireDelivery>();
        long inFlightBytes = 0, batchBytes = 0;
        while (true)
        {
            Volatile.Write(ref _again, 0);
            Exception? failure = null;
            if (source.BeginBatch(this))
            {
                var exited = false;
                try
                {
                    while (true)
                    {
                        // Not once the channel closed: what is still queued waits in the inbox for the restarted worker.
                        var sent = true;
                        while (sent && !exited && inFlight.Count < Window && (inFlight.Count == 0 || inFlightBytes < WindowBytes)
                            && Volatile.Read(ref _closed) == 0 && TakeNext(source, ref handlers, out var count) is { } message)
                        {
                            var id = ++_lastDelivery;
                            var bytes = message.Message.Payload.Length;
                            batch.Add(new WireDelivery
                            {
                                Id = id, Handlers = handlers[..count], Request = message.IsRequest, Message = WireMessage.From(message.Message),
                                Trace = (message as Messaging.Delivery)?.Trace?.Id,
                            });
                            inFlight.Enqueue((message, id));
                            (inFlightBytes, batchBytes) = (inFlightBytes + bytes, batchBytes + bytes);
                            if (inFlight.Count == 1)
                                Volatile.Write(ref _running, id);
                            if (batchBytes >= BatchBytes)
                                sent = SendBatch(batch, ref batchBytes);
                        }
                        if (sent && batch.Count > 0)
                            sent = SendBatch(batch, ref batchBytes);
                        if (!sent)
                            break;   // closed: every message in flight is reported below
                        if (inFlight.Count == 0)
                            break;
                        if (!_outcomes.Reader.TryRead(out var answers))
                        {
                            if (!await _outcomes.Reader.WaitToReadAsync().ConfigureAwait(false))
                                break;   // the worker is gone
                            continue;
                        }
                        // A run of outcomes, all reported before the window is refilled: one Deliver frame for them.
                        foreach (var answer in answers.Outcomes ?? [])
                        {
                            if (!inFlight.TryDequeue(out var taken))
                                throw new InvalidDataException($"the worker answered delivery {answer.Id} with none in flight");
                            if (answer.Id != taken.Id)
                            {
                                var wrong = new InvalidDataException($"the worker answered delivery {answer.Id} where {taken.Id} was next");
                                source.Report(this, taken.Message, HandlerOutcome.Failed(wrong));
                                throw wrong;
                            }
                            var outcome = answer.ToOutcome();
                            inFlightBytes -= taken.Message.Message.Payload.Length;
                            source.Report(this, taken.Message, outcome);
                            Volatile.Write(ref _running, inFlight.TryPeek(out var next) ? next.Id : 0);
                            exited |= outcome.Result == HandlerResult.Exited;
                        }
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
                // A lost worker (or a broken channel) answers nothing more; each message still in flight gets an
                // outcome here, from the page it shares (RunningSlot). The one whose handlers were running when it died
                // failed, so the inbox retries or dead-letters it, as in-process. Those that had finished, their
                // outcomes not yet sent (outcomes travel in runs), are counted as they ended — except requests, whose
                // replies went with the worker: they run again in the next one. Those never started go back to the
                // inbox, no attempt counted.
                Volatile.Write(ref _running, 0);
                var why = failure ?? Volatile.Read(ref _lostWhy) ?? new WorkerLostException("the worker's channel is closed");
                var crashed = inFlight.Count == 0 ? 0 : RunningSlot?.Read() ?? inFlight.Peek().Id;
                inFlightBytes = 0;
                while (inFlight.TryDequeue(out var lost))
                    source.Report(this, lost.Message, lost.Id == crashed ? HandlerOutcome.Failed(why) : Finished(lost.Message, lost.Id, why));
                source.EndBatch(this, failure);
            }
            Volatile.Write(ref _pumping, 0);
            // A Schedule that came while this batch ran set _again; whoever takes _pumping back runs it.
            if (failure is not null || Volatile.Read(ref _again) == 0 || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0)
                return;
        }
    }

    /// <summary>How a message in flight that was not running when its worker died ended there, as far as the shared page says.</summary>
    private HandlerOutcome Finished(InboundMessage message, long id, Exception why) =>
        (message.IsRequest ? null : RunningSlot?.EndOf(id)) switch
        {
            HandlerResult.Handled => HandlerOutcome.Handled(null),
            HandlerResult.Failed => HandlerOutcome.Failed(new WorkerLostException($"a handler failed in the worker, which was lost before the error could be sent ({why.Message})")),
            HandlerResult.Undecodable => HandlerOutcome.Undecodable("the payload did not decode in the worker (its reason was lost with the worker)"),
            _ => HandlerOutcome.NotRun(why.Message),
        };

    private bool SendBatch(List<WireDelivery> batch, ref long batchBytes)
    {
        var sent = _channel.Send(new Frame { Kind = FrameKind.Deliver, Deliveries = [.. batch] });
        batch.Clear();
        batchBytes = 0;
        return sent;
    }

    private InboundMessage? TakeNext(IMessageSource source, ref int[] handlers, out int count)
    {
        Span<int> ids = handlers;
        var message = source.Next(this, ref ids, out count);
        if (ids.Length > handlers.Length)
            handlers = ids.ToArray();
        return message;
    }
}
