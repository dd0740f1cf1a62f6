using System.Collections.Concurrent;
using System.Diagnostics;
using PluginHost.Host.Plugins;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The worker's side of <see cref="IPluginBinding"/>: each call of the plugin's <c>pluginhost</c> module becomes a frame
/// to the host, which makes it on the instance's real binding. Log, write and (un)subscribe are sent without waiting
/// (the channel keeps their order); publish, request and call return the task of the host's answer, which the module
/// waits for with the GIL released, and whose error is the host's exception again.
/// </summary>
internal sealed class WorkerBinding(WorkerStart start, FrameChannel channel, PendingCalls calls, WorkerSource? source = null) : IPluginBinding
{
    private readonly ConcurrentDictionary<int, byte> _subscriptions = new();

    public string PluginName => start.Plugin;

    public int Instance => start.Instance;

    public IReadOnlyDictionary<string, object?> Settings { get; } = start.Settings.ToDictionary(s => s.Key, s => JsonValues.ToPlain(s.Value));

    public int MaxOutputLength => start.MaxOutputLength;

    public void Log(int level, string logger, string message) =>
        channel.Send(new Frame { Kind = FrameKind.Log, Number = level, Text = logger, Text2 = message, Parent = Parent });

    public void Write(bool error, string text) => channel.Send(new Frame { Kind = FrameKind.Write, Flag = error, Text = text });

    public Task? Publish(Message message) => Ask(new Frame { Kind = FrameKind.Publish, Message = WireMessage.From(message), Parent = Parent });

    public async Task<Message> Request(Message message, TimeSpan? timeout)
    {
        var answer = await Ask(new Frame { Kind = FrameKind.Request, Message = WireMessage.From(message), Timeout = timeout?.TotalSeconds, Parent = Parent }).ConfigureAwait(false);
        return answer.Message?.ToMessage() ?? throw new InvalidDataException("a reply frame without a message");
    }

    public async Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout)
    {
        var answer = await Ask(new Frame
        {
            Kind = FrameKind.Call, Text = function, Bytes = argument.Bytes, Text2 = argument.ContentType, Timeout = timeout?.TotalSeconds, Parent = Parent,
        }).ConfigureAwait(false);
        return new HostPayload(answer.Bytes, answer.Text2 ?? "");
    }

    public void Subscribe(string pattern, int handlerId)
    {
        _subscriptions[handlerId] = 0;
        channel.Send(new Frame { Kind = FrameKind.Subscribe, Text = pattern, Number = handlerId });
    }

    public bool Unsubscribe(int handlerId)
    {
        if (!_subscriptions.TryRemove(handlerId, out _))
            return false;
        channel.Send(new Frame { Kind = FrameKind.Unsubscribe, Number = handlerId });
        return true;
    }

    // The plugin's open spans (pluginhost.span), made by the host, by its handle: their traceparents. _innermost is the
    // last opened still open, the parent of what the plugin sends or opens (as PluginBinding's, in-process).
    private readonly Dictionary<long, string> _spans = [];
    private string? _innermost;

    /// <summary>The parent of what the plugin sends or opens now: its innermost open span, else its running handler's (the host's span).</summary>
    private string? Parent => Volatile.Read(ref _innermost) ?? source?.RunningTrace;

    /// <summary>
    /// True when the parent span is recorded (its sampled flag, as the host made it): only then does a span cost a
    /// round trip to the host. Without a handler span (tracing off, unsampled, outside a handler) spans are no-ops.
    /// </summary>
    public bool Tracing => Parent is { } parent && ActivityContext.TryParse(parent, null, out var context)
        && context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded);

    /// <summary>
    /// Asks the host to make the span (the host's ActivitySource, child of <see cref="Parent"/>) and waits for its ids:
    /// what the plugin sends or logs inside it names it as parent, and <c>current_trace()</c> returns it. Called with
    /// the GIL held: the wait is one frame each way, and only for a recorded trace.
    /// </summary>
    public long StartSpan(string name, IReadOnlyDictionary<string, object?>? attributes)
    {
        if (Parent is not { } parent)
            return 0;
        var frame = new Frame
        {
            Kind = FrameKind.SpanStart, Text = name, Parent = parent, At = DateTime.UtcNow,
            Attributes = attributes?.Select(a => WireAttribute.From(a.Key, a.Value)).ToArray(),
        };
        var answer = PendingCalls.Check((calls.Send(channel, frame) ?? throw new ObjectDisposedException(nameof(FrameChannel), "the channel to the host is closed"))
            .GetAwaiter().GetResult());
        if (answer.Target == 0 || answer.Text is not { } traceParent)
            return 0;
        lock (_spans)
        {
            _spans[answer.Target] = traceParent;
            Volatile.Write(ref _innermost, traceParent);
        }
        return answer.Target;
    }

    /// <summary>Tells the host the span ended (no wait); the host ends its Activity with the worker's end time.</summary>
    public void EndSpan(long span, string? errorType, string? errorMessage)
    {
        lock (_spans)
        {
            if (!_spans.Remove(span, out var traceParent))
                return;   // ended already
            if (ReferenceEquals(Volatile.Read(ref _innermost), traceParent))
                Volatile.Write(ref _innermost, _spans.Count == 0 ? null : _spans.MaxBy(s => s.Key).Value);
        }
        channel.Send(new Frame { Kind = FrameKind.SpanEnd, Target = span, Text = errorType, Text2 = errorMessage, At = DateTime.UtcNow });
    }

    public string? CurrentTraceParent =>
        Parent ?? (source?.RunningMessage is { Headers.Count: > 0 } message ? message.Headers.GetValueOrDefault("traceparent") : null);

    public string? HandlerTraceParent(Message message) =>
        source?.RunningMessage is { } running && running.Id == message.Id ? source.RunningTrace : null;

    private async Task<Frame> Ask(Frame frame)
    {
        var answer = calls.Send(channel, frame) ?? throw new ObjectDisposedException(nameof(FrameChannel), "the channel to the host is closed");
        return PendingCalls.Check(await answer.ConfigureAwait(false));
    }
}
