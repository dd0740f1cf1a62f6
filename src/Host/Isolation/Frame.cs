using System.Text.Json;
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
    Deliver,        // Id: the delivery's number; Message, Handlers, Flag: is a request → Outcome
    Interrupt,      // Id → Done (Flag: raised)
    Sample,         // Id → Done (Figures: the interpreter's allocator figures and received payload bytes)
    End,            // the worker ends its interpreter and exits

    // worker → host
    Started = 20,   // Number: the interpreter's id
    Outcome,        // Id: the delivery's number; Outcome
    Log,            // Number: Python level, Text: logger, Text2: message
    Write,          // Flag: stderr, Text
    Subscribe,      // Text: pattern, Number: handler id
    Unsubscribe,    // Number: handler id
    Publish,        // Id, Message → Done
    Request,        // Id, Message, Timeout → Done (Message: the reply)
    Call,           // Id, Text: function, Bytes + Text2: argument and its content type, Timeout → Done (Bytes + Text2)
    Policy,         // Flag: allowed (else denied), Decision: what the worker's policy decided (counted and logged in the host)

    // either way: the answer to the frame with the same Id from the other side
    Done = 40,      // Error when it failed
}

/// <summary>
/// One frame's body: a JSON object, values only — payload bytes, headers, ids, source text; never a Python object.
/// One envelope for every kind (its fields per kind are listed on <see cref="FrameKind"/>), so the protocol is one
/// small type to read and to version.
/// </summary>
internal sealed class Frame
{
    public FrameKind Kind { get; set; }

    public long Id { get; set; }

    public int Number { get; set; }

    public bool Flag { get; set; }

    public string? Text { get; set; }

    public string? Text2 { get; set; }

    public byte[]? Bytes { get; set; }

    public double? Timeout { get; set; }

    public int[]? Handlers { get; set; }

    public WireMessage? Message { get; set; }

    public WireError? Error { get; set; }

    public WireOutcome? Outcome { get; set; }

    public WorkerStart? Start { get; set; }

    public PolicyDecision? Decision { get; set; }

    public WireFigures? Figures { get; set; }
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

/// <summary>A <see cref="Message"/> as values.</summary>
internal sealed class WireMessage
{
    public string Topic { get; set; } = "";

    public byte[] Payload { get; set; } = [];

    public string ContentType { get; set; } = "";

    public string Id { get; set; } = "";

    public string? CorrelationId { get; set; }

    public string Sender { get; set; } = "";

    public string? To { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public Dictionary<string, string>? Headers { get; set; }

    public static WireMessage From(Message m) => new()
    {
        Topic = m.Topic, Payload = m.Payload.ToArray(), ContentType = m.ContentType, Id = m.Id, CorrelationId = m.CorrelationId,
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

/// <summary>A <see cref="HandlerOutcome"/> as values.</summary>
internal sealed class WireOutcome
{
    public HandlerResult Result { get; set; }

    public WireMessage? Reply { get; set; }

    public WireError? Error { get; set; }

    public string? Reason { get; set; }

    public static WireOutcome From(in HandlerOutcome outcome) => new()
    {
        Result = outcome.Result,
        Reply = outcome.Reply is { } reply ? WireMessage.From(reply) : null,
        Error = outcome.Error is { } error ? WireError.From(error) : null,
        Reason = outcome.Reason,
    };

    public HandlerOutcome ToOutcome() => Result switch
    {
        HandlerResult.Handled => HandlerOutcome.Handled(Reply?.ToMessage()),
        HandlerResult.Undecodable => HandlerOutcome.Undecodable(Reason ?? ""),
        HandlerResult.Exited when Error?.ToException() is PythonException exit => HandlerOutcome.Exited(exit),
        _ => HandlerOutcome.Failed(Error?.ToException() ?? new InvalidOperationException(Reason ?? "the handler failed")),
    };
}
