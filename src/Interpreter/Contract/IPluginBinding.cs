using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Contract;

/// <summary>
/// What the <c>pluginhost</c> module of one interpreter reaches in the host. The host implements it; the module calls
/// it with that interpreter's GIL held — from the interpreter's owning thread or from threads the plugin started — so
/// calls for one interpreter never overlap, and implementations must be quick and must not block. The exception is
/// <see cref="Call"/>, which runs host code and is called with the GIL released.
/// </summary>
public interface IPluginBinding
{
    string PluginName { get; }

    int Instance { get; }

    /// <summary>Plain values (string, long, double, bool, null, lists, string-keyed dictionaries) copied into Python.</summary>
    IReadOnlyDictionary<string, object?> Settings { get; }

    /// <summary>
    /// A record from Python: <paramref name="level"/> is Python's numeric level (10 DEBUG … 50 CRITICAL). A message
    /// longer than <see cref="MaxOutputLength"/> arrives cut, ending with <see cref="PluginOutput.Marker"/>.
    /// </summary>
    void Log(int level, string logger, string message);

    /// <summary>
    /// Text written to the plugin's <c>sys.stdout</c> (<paramref name="error"/> false) or <c>sys.stderr</c>, in pieces of
    /// at most <see cref="PluginOutput.PieceLength"/> characters: one large write never crosses as one string.
    /// </summary>
    void Write(bool error, string text);

    /// <summary>
    /// The most characters of one logging record (or line of output) the host keeps; the module copies no more than
    /// this out of Python.
    /// </summary>
    int MaxOutputLength => int.MaxValue;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when headers of <paramref name="bytes"/> bytes (UTF-8 names and values)
    /// are more than a message on <paramref name="topic"/> may carry. The module measures them in Python and asks
    /// before it copies any out.
    /// </summary>
    void CheckHeaderBytes(string topic, long bytes)
    {
    }

    /// <summary>
    /// Publishes without waiting. Returns null when every receiver took the message, or a task the module waits on with
    /// the GIL released (receivers' inboxes were full). Throws for an invalid or refused message.
    /// </summary>
    Task? Publish(Message message);

    /// <summary>
    /// An id for a message this plugin is about to send, so the module builds it complete; empty (the default) lets
    /// the receiving side stamp one, at the cost of a copy of the message.
    /// </summary>
    string NewMessageId() => "";

    /// <summary>Sends a request to one receiver; the module waits for the reply with the GIL released.</summary>
    Task<Message> Request(Message message, TimeSpan? timeout);

    /// <summary>
    /// Calls host function <paramref name="function"/> with the GIL released (it may run any .NET code); the module
    /// then waits for the task, also without the GIL. Throws <see cref="UnauthorizedAccessException"/> when the plugin
    /// may not call it, <see cref="KeyNotFoundException"/> when there is no such function for this plugin,
    /// <see cref="TimeoutException"/> when <paramref name="timeout"/> (null: the host's default) passes, and
    /// <see cref="HostFunctionException"/> when the function itself raised.
    /// </summary>
    Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout);

    /// <summary>This instance now handles topics matching <paramref name="pattern"/> with handler <paramref name="handlerId"/>.</summary>
    void Subscribe(string pattern, int handlerId);

    /// <summary>Stops the subscription made with <paramref name="handlerId"/>; false when there was none.</summary>
    bool Unsubscribe(int handlerId);

    /// <summary>
    /// True when a span started now would be recorded (someone listens to the host's traces): the module converts a
    /// span's attributes only then. The default (a binding without tracing) is false; a worker process's is true
    /// while its parent span is recorded.
    /// </summary>
    bool Tracing => false;

    /// <summary>
    /// Starts a span of the plugin's own (<c>pluginhost.span</c>), child of the innermost span open now (an earlier
    /// one of the plugin's, else the running handler's); what the plugin sends while it is open is its child. Returns
    /// its handle for <see cref="EndSpan"/>, or 0 when nothing is recorded (no span was made).
    /// </summary>
    long StartSpan(string name, IReadOnlyDictionary<string, object?>? attributes) => 0;

    /// <summary>Ends the span <paramref name="span"/> from <see cref="StartSpan"/>; as an error when <paramref name="errorType"/> is given.</summary>
    void EndSpan(long span, string? errorType, string? errorMessage)
    {
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of the innermost span open now (the plugin's own, else the running handler's), else
    /// the running message's <c>traceparent</c> header; null when there is none.
    /// </summary>
    string? CurrentTraceParent => null;

    /// <summary>The <c>traceparent</c> of <paramref name="message"/>'s handler span while that handler runs; null otherwise.</summary>
    string? HandlerTraceParent(Message message) => null;
}
