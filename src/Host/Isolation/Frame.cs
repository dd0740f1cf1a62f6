using System.Text.Json;
using System.Text.Json.Serialization;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Isolation;

/// <summary>What a frame of the worker channel asks or answers (docs/isolation.md, "The channel").</summary>
internal enum FrameKind
{
    // host → worker
    Start = 1,      // Text: interpreter name; Start: the instance's identity and settings
    Run,            // Id, Text: source to run in __main__ → Done
    Deliver,        // Deliveries: a batch of messages, each with its delivery number → one Outcome per message, in order
    Interrupt,      // Id, Target: the delivery to interrupt (0: whatever runs) → Done (Flag: raised)
    Sample,         // Id → Done (Figures: the interpreter's allocator figures and received payload bytes)
    End,            // the worker ends its interpreter and exits

    // worker → host
    Started = 20,   // Number: the interpreter's id
    Outcome,        // Outcomes: a run of outcomes, each with its delivery's number, in the order delivered
    Log,            // Number: Python level, Text: logger, Text2: message, Parent
    Write,          // Flag: stderr, Text
    Subscribe,      // Text: pattern, Number: handler id
    Unsubscribe,    // Number: handler id
    Publish,        // Id, Message, Parent → Done
    Request,        // Id, Message, Timeout, Parent → Done (Message: the reply)
    Call,           // Id, Text: function, Bytes + Text2: argument and its content type, Timeout, Parent → Done (Bytes + Text2)
    Policy,         // Flag: allowed (else denied), Decision: what the worker's policy decided (counted and logged in the host)
    SpanStart,      // Id, Text: name, Attributes, Parent, At: started → Done (Target: the span's handle, 0: none; Text: its traceparent)
    SpanEnd,        // Target: the handle, Text + Text2: the exception's type and message (none: ended well), At: ended

    // either way: the answer to the frame with the same Id from the other side
    Done = 40,      // Error when it failed
}

/// <summary>
/// One frame: a JSON header and the payload bytes after it (<see cref="FrameChannel"/>), values only — payload bytes,
/// headers, ids, source text; never a Python object. One envelope for every kind (its fields per kind are listed on
/// <see cref="FrameKind"/>), so the protocol is one small type to read and to version. Payload bytes are not in the
/// JSON: each carrier states its length and the bytes follow the header in <see cref="FramePayloads"/>' order.
/// </summary>
internal sealed class Frame
{
    public FrameKind Kind { get; set; }

    public long Id { get; set; }

    /// <summary>Interrupt: the delivery whose handler is to be interrupted (0: whatever runs).</summary>
    public long Target { get; set; }

    public int Number { get; set; }

    public bool Flag { get; set; }

    public string? Text { get; set; }

    public string? Text2 { get; set; }

    /// <summary>Call's argument or result; its bytes follow the header.</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Bytes { get; set; }

    public int BytesLength { get => _bytesLength >= 0 ? _bytesLength : Bytes.Length; set => _bytesLength = value; }

    private int _bytesLength = -1;

    public double? Timeout { get; set; }

    public int[]? Handlers { get; set; }

    public WireMessage? Message { get; set; }

    /// <summary>Deliver: the batch, in the order the worker runs it.</summary>
    public WireDelivery[]? Deliveries { get; set; }

    public WireError? Error { get; set; }

    public WireOutcome[]? Outcomes { get; set; }

    public WorkerStart? Start { get; set; }

    public PolicyDecision? Decision { get; set; }

    public WireFigures? Figures { get; set; }

    /// <summary>
    /// Publish, Request, Call, SpanStart, Log: the <c>traceparent</c> of the worker's innermost open span (its own, else
    /// its running handler's), the parent of what it sends, opens or logs; null: none (the host's own choice then).
    /// </summary>
    public string? Parent { get; set; }

    /// <summary>SpanStart: the span's attributes (str, bool, int, float), as the plugin gave them.</summary>
    public WireAttribute[]? Attributes { get; set; }

    /// <summary>SpanStart, SpanEnd: when, by the worker's clock (the host's: one machine).</summary>
    public DateTime? At { get; set; }
}

/// <summary>One attribute of a worker's span: exactly one value set, so an int stays an int and a float a float.</summary>
internal sealed class WireAttribute
{
    public string Key { get; set; } = "";

    public string? Text { get; set; }

    public bool? Flag { get; set; }

    public long? Integer { get; set; }

    public double? Real { get; set; }

    public static WireAttribute From(string key, object? value) => value switch
    {
        string text => new() { Key = key, Text = text },
        bool flag => new() { Key = key, Flag = flag },
        long integer => new() { Key = key, Integer = integer },
        int integer => new() { Key = key, Integer = integer },
        double real => new() { Key = key, Real = real },
        // Beyond long (a big Python int): its digits, as the in-process span would tag it with the value's text anyway.
        _ => new() { Key = key, Text = value?.ToString() },
    };

    public object? Value => Text ?? (object?)Flag ?? (object?)Integer ?? Real;
}

/// <summary>The worker interpreter's memory figures, sampled by the worker between its work.</summary>
internal sealed class WireFigures
{
    public AllocatorStatistics? Allocator { get; set; }

    public long? LargeBytes { get; set; }

    public long MessageBytes { get; set; }
}

/// <summary>What the worker needs to serve one instance.</summary>
internal sealed class WorkerStart
{
    public string Plugin { get; set; } = "";

    public int Instance { get; set; }

    public string Name { get; set; } = "";

    public double ThreadEndTimeoutSeconds { get; set; }

    public int MaxOutputLength { get; set; }

    public Dictionary<string, JsonElement> Settings { get; set; } = [];

    /// <summary>The instance's policy without its listener (the worker reports decisions back); null: ungoverned.</summary>
    public InterpreterPolicy? Policy { get; set; }

    /// <summary>The kernel sandbox the worker confines itself with before CPython starts (<see cref="WorkerSandbox"/>); null: none.</summary>
    public WorkerSandboxSpec? Sandbox { get; set; }
}

/// <summary>One message of a <see cref="FrameKind.Deliver"/> batch: its delivery number, its handlers, whether a reply is awaited.</summary>
internal sealed class WireDelivery
{
    public long Id { get; set; }

    public int[]? Handlers { get; set; }

    public bool Request { get; set; }

    /// <summary>The <c>traceparent</c> of the host's span of this message's handler run (its sampled flag included); null: none.</summary>
    public string? Trace { get; set; }

    public WireMessage Message { get; set; } = new();
}

/// <summary>A <see cref="Message"/> as values; its payload bytes follow the frame's header (not copied until read).</summary>
internal sealed class WireMessage
{
    public string Topic { get; set; } = "";

    [JsonIgnore]
    public ReadOnlyMemory<byte> Payload { get; set; }

    public int PayloadLength { get => _payloadLength >= 0 ? _payloadLength : Payload.Length; set => _payloadLength = value; }

    private int _payloadLength = -1;

    public string ContentType { get; set; } = "";

    public string Id { get; set; } = "";

    public string? CorrelationId { get; set; }

    public string Sender { get; set; } = "";

    public string? To { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public Dictionary<string, string>? Headers { get; set; }

    public static WireMessage From(Message m) => new()
    {
        Topic = m.Topic, Payload = m.Payload, ContentType = m.ContentType, Id = m.Id, CorrelationId = m.CorrelationId,
        Sender = m.Sender, To = m.To, Timestamp = m.Timestamp,
        Headers = m.Headers.Count == 0 ? null : new Dictionary<string, string>(m.Headers, StringComparer.Ordinal),
    };

    public Message ToMessage()
    {
        var message = new Message
        {
            Topic = Topic, Payload = Payload, ContentType = ContentType, Id = Id, CorrelationId = CorrelationId, Sender = Sender, To = To,
            Timestamp = Timestamp,
        };
        return Headers is null ? message : message with { Headers = Headers };
    }
}

/// <summary>
/// An exception as values: <see cref="Kind"/> names the .NET type the other side throws again, so that the
/// <c>pluginhost</c> module maps it to the same Python exception as in-process (ValueError, PermissionError, ...).
/// </summary>
internal sealed class WireError
{
    public string Kind { get; set; } = "";

    public string Message { get; set; } = "";

    public string? PythonType { get; set; }

    public string? Traceback { get; set; }

    public static WireError From(Exception e) => e switch
    {
        PythonException p => new() { Kind = "python", Message = p.PythonMessage, PythonType = p.PythonType, Traceback = p.PythonTraceback },
        ArgumentException => new() { Kind = "argument", Message = e.Message },
        UnauthorizedAccessException => new() { Kind = "unauthorized", Message = e.Message },
        KeyNotFoundException => new() { Kind = "key", Message = e.Message },
        TimeoutException => new() { Kind = "timeout", Message = e.Message },
        HostFunctionException => new() { Kind = "host-function", Message = e.Message },
        MessageDeliveryException => new() { Kind = "delivery", Message = e.Message },
        ObjectDisposedException => new() { Kind = "disposed", Message = e.Message },
        _ => new() { Kind = "other", Message = $"{e.GetType().Name}: {e.Message}" },
    };

    public Exception ToException() => Kind switch
    {
        "python" => new PythonException(PythonType ?? "Exception", Message, Traceback ?? ""),
        "argument" => new ArgumentException(Message),
        "unauthorized" => new UnauthorizedAccessException(Message),
        "key" => new KeyNotFoundException(Message),
        "timeout" => new TimeoutException(Message),
        "host-function" => new HostFunctionException(Message),
        "delivery" => new MessageDeliveryException(Message),
        "disposed" => new ObjectDisposedException(null, Message),
        _ => new InvalidOperationException(Message),
    };
}

/// <summary>A <see cref="HandlerOutcome"/> as values, with the number of the delivery it is for.</summary>
internal sealed class WireOutcome
{
    public long Id { get; set; }

    public HandlerResult Result { get; set; }

    public WireMessage? Reply { get; set; }

    public WireError? Error { get; set; }

    public string? Reason { get; set; }

    public static WireOutcome From(long id, in HandlerOutcome outcome) => new()
    {
        Id = id,
        Result = outcome.Result,
        Reply = outcome.Reply is { } reply ? WireMessage.From(reply) : null,
        Error = outcome.Error is { } error ? WireError.From(error) : null,
        Reason = outcome.Reason,
    };

    public HandlerOutcome ToOutcome() => Result switch
    {
        HandlerResult.Handled => HandlerOutcome.Handled(Reply?.ToMessage()),
        HandlerResult.Undecodable => HandlerOutcome.Undecodable(Reason ?? ""),
        HandlerResult.NotRun => HandlerOutcome.NotRun(Reason ?? ""),
        HandlerResult.Exited when Error?.ToException() is PythonException exit => HandlerOutcome.Exited(exit),
        _ => HandlerOutcome.Failed(Error?.ToException() ?? new InvalidOperationException(Reason ?? "the handler failed")),
    };
}
