using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Contract;

/// <summary>How a message's handler run ended.</summary>
public enum HandlerResult
{
    /// <summary>Every handler returned; <see cref="HandlerOutcome.Reply"/> holds a request's reply.</summary>
    Handled,

    /// <summary>A handler raised (<see cref="HandlerOutcome.Error"/> is a <see cref="PythonException"/>), or the runtime failed to run it.</summary>
    Failed,

    /// <summary>The payload did not decode in the receiver — the sender's fault, not a handler failure.</summary>
    Undecodable,

    /// <summary>A handler raised <c>SystemExit</c>: the instance is to stop (code 0) or restart; the runtime takes no more messages.</summary>
    Exited,

    /// <summary>
    /// Taken but never handed to a handler (a worker process lost, or exited, with it still queued behind the message
    /// it ran): the message goes back to the front of the inbox, no attempt counted.
    /// </summary>
    NotRun,

    /// <summary>
    /// Its async handler waits (MaxConcurrency above 1): the message stays in flight on the instance's event loop and
    /// its real outcome is reported when the handler's task ends. Never reported itself.
    /// </summary>
    InFlight,
}

/// <summary>What became of one <see cref="InboundMessage"/>: values only, so it can cross a process boundary.</summary>
public readonly struct HandlerOutcome
{
    private HandlerOutcome(HandlerResult result, Message? reply, Exception? error, string? reason)
    {
        Result = result;
        Reply = reply;
        Error = error;
        Reason = reason;
    }

    public HandlerResult Result { get; }

    /// <summary>The reply to a request that was handled; null otherwise.</summary>
    public Message? Reply { get; }

    /// <summary>What a handler raised (<see cref="PythonException"/>), or what failed in the runtime, for Failed and Exited.</summary>
    public Exception? Error { get; }

    /// <summary>One line for counts and dead letters: the error's message, or why the payload did not decode.</summary>
    public string? Reason { get; }

    public static HandlerOutcome Handled(Message? reply) => new(HandlerResult.Handled, reply, null, null);

    public static HandlerOutcome Failed(Exception error) => new(HandlerResult.Failed, null, error, error.Message);

    public static HandlerOutcome Exited(PythonException exit) => new(HandlerResult.Exited, null, exit, exit.Message);

    public static HandlerOutcome Undecodable(string why) => new(HandlerResult.Undecodable, null, null, why);

    public static HandlerOutcome InFlight => new(HandlerResult.InFlight, null, null, null);

    public static HandlerOutcome NotRun(string why) => new(HandlerResult.NotRun, null, null, why);
}
