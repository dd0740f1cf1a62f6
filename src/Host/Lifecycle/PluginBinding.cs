using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Telemetry;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// What one plugin instance's <c>pluginhost</c> module reaches: its identity and settings, the host's log, and the
/// broker. Python logging records keep their level; print() output becomes one log line per line of text
/// (stdout at Information, stderr at Error). A line or record longer than <paramref name="maxOutputLength"/>
/// characters is cut, with a marker (<see cref="OutputLines"/>). Called with the instance's interpreter GIL held.
/// </summary>
internal sealed class PluginBinding(PluginDescriptor descriptor, int instance, ILogger logger, MessageBroker broker,
    int maxOutputLength = PluginHostOptions.DefaultMaxOutputLineLength) : IPluginBinding
{
    private readonly OutputLines _stdout = new(maxOutputLength);
    private readonly OutputLines _stderr = new(maxOutputLength);

    public string PluginName => descriptor.Name;

    public int Instance => instance;

    public IReadOnlyDictionary<string, object?> Settings => descriptor.Settings;

    /// <summary>The lowest Python level the host's logger will keep, so Python filters the rest before crossing over.</summary>
    public int MinimumPythonLevel =>
        logger.IsEnabled(LogLevel.Debug) ? 10 : logger.IsEnabled(LogLevel.Information) ? 20 : logger.IsEnabled(LogLevel.Warning) ? 30 : 40;

    public void Log(int level, string pythonLogger, string message) => Log(level, pythonLogger, message, null);

    /// <summary>Logs a record made inside <paramref name="parent"/> (a worker's span; null: this instance's <see cref="Parent"/>).</summary>
    internal void Log(int level, string pythonLogger, string message, ActivityContext? parent)
    {
        var name = pythonLogger.Length == 0 ? descriptor.Name : pythonLogger;
        var logLevel = ToLogLevel(level);
        if (!logger.IsEnabled(logLevel))
            return;
        using (logger.BeginScope(new PluginLogScope(descriptor.Name, instance, name, level, "logging", parent ?? ParentContext)))
            logger.PythonRecord(logLevel, name, message);
    }

    public void Write(bool error, string text)
    {
        var lines = error ? _stderr : _stdout;
        var level = error ? LogLevel.Error : LogLevel.Information;
        lock (lines)
            lines.Append(text, line => Output(level, error, line));
    }

    private void Output(LogLevel level, bool error, string line)
    {
        using (logger.BeginScope(new PluginLogScope(descriptor.Name, instance, null, null, error ? "stderr" : "stdout", ParentContext)))
            logger.PythonOutput(level, line);
    }

    public int MaxOutputLength => maxOutputLength;

    public void CheckHeaderBytes(string topic, long bytes) => broker.CheckHeaderBytes(topic, descriptor.Name, bytes);

    /// <summary>The instance's inbox, attached once its interpreter exists (subscriptions need it).</summary>
    public PluginInbox? Inbox { get; set; }

    /// <summary>The instance's running totals, where an accepted publish or request is counted as sent.</summary>
    public ReceiverCounters? Counters { get; init; }

    public Task? Publish(Message message) => Publish(message, null);

    /// <summary>Publishes as a send from <paramref name="parent"/> (a worker's span; null: this instance's <see cref="Parent"/>).</summary>
    internal Task? Publish(Message message, ActivityContext? parent)
    {
        message = Signed(message);
        var span = MessageTracing.StartSend(ref message, parent ?? ParentContext, descriptor.Name, instance, request: false);
        var result = broker.TryPublish(message);
        MessageTracing.End(span, result.Status is PublishStatus.Invalid or PublishStatus.Refused ? result.Error : null);
        if (result.Status is PublishStatus.Delivered or PublishStatus.NoReceivers or PublishStatus.Pending && Counters is { } counters)
            Interlocked.Increment(ref counters.Sent);
        return result.Status switch
        {
            PublishStatus.Delivered => null,
            // Nobody subscribed to a topic is normal pub/sub (counted as unrouted); nobody at an address is an error.
            PublishStatus.NoReceivers when message.To is null => null,
            PublishStatus.Pending => broker.PublishPendingAsync(result.Pending!, CancellationToken.None).AsTask(),
            PublishStatus.Invalid => throw new ArgumentException(result.Error),
            _ => throw new MessageDeliveryException(result.Error ?? "the message was refused"),
        };
    }

    public Task<Message> Request(Message message, TimeSpan? timeout) => Request(message, timeout, null);

    /// <summary>Requests as a send from <paramref name="parent"/> (a worker's span; null: this instance's <see cref="Parent"/>).</summary>
    internal Task<Message> Request(Message message, TimeSpan? timeout, ActivityContext? parent)
    {
        if (Counters is { } counters)
            Interlocked.Increment(ref counters.Sent);
        message = Signed(message);
        var span = MessageTracing.StartSend(ref message, parent ?? ParentContext, descriptor.Name, instance, request: true);
        return MessageTracing.EndWith(span, broker.RequestAsync(message, timeout ?? broker.Options.RequestTimeout));
    }

    // The module already signs with this plugin's name; a copy only if something else got in (never on the hot path).
    public string NewMessageId() => MessageIds.Next();

    private Message Signed(Message message) => message.Sender == descriptor.Name ? message : message with { Sender = descriptor.Name };

    /// <summary>The host functions this instance may call, set when it starts (none until then).</summary>
    public HostFunctionScope Functions { get; set; } = HostFunctionScope.None(descriptor.Name, instance);

    // Called without the GIL; a call without a timeout gets the broker's request timeout, like request().
    public Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout) => Call(function, argument, timeout, null);

    /// <summary>Calls as a call from <paramref name="parent"/> (a worker's span; null: this instance's <see cref="Parent"/>).</summary>
    internal Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout, ActivityContext? parent) =>
        MessageTracing.EndWith(MessageTracing.StartCall(function, parent ?? ParentContext, descriptor.Name, instance),
            Functions.CallAsync(function, argument, timeout ?? broker.Options.RequestTimeout));

    // The plugin's open spans (pluginhost.span), by handle; _innermost is the last opened still open, the parent of
    // what the plugin sends (read without the lock on every send: a volatile field, not the dictionary).
    private readonly Dictionary<long, System.Diagnostics.Activity> _spans = [];
    private System.Diagnostics.Activity? _innermost;
    private long _nextSpan;

    /// <summary>The parent of what the plugin sends or opens now: its innermost open span, else its running handler's.</summary>
    private System.Diagnostics.Activity? Parent => Volatile.Read(ref _innermost) ?? Inbox?.CurrentTrace;

    private ActivityContext ParentContext => Parent?.Context ?? default;

    public bool Tracing => MessageTracing.Source.HasListeners();

    public long StartSpan(string name, IReadOnlyDictionary<string, object?>? attributes)
    {
        var span = MessageTracing.StartPluginSpan(name, attributes, ParentContext, descriptor.Name, instance);
        if (span is null)
            return 0;
        lock (_spans)
        {
            var handle = ++_nextSpan;
            _spans[handle] = span;
            Volatile.Write(ref _innermost, span);
            return handle;
        }
    }

    public void EndSpan(long span, string? errorType, string? errorMessage)
    {
        System.Diagnostics.Activity? activity;
        lock (_spans)
        {
            if (!_spans.Remove(span, out activity))
                return;   // ended already (a handle is the module's, never reused)
            // Spans end in any order (threads, tasks): the innermost is the latest opened of those still open.
            if (ReferenceEquals(Volatile.Read(ref _innermost), activity))
                Volatile.Write(ref _innermost, _spans.Count == 0 ? null : _spans.MaxBy(s => s.Key).Value);
        }
        MessageTracing.EndPluginSpan(activity, errorType, errorMessage);
    }

    public string? CurrentTraceParent =>
        Parent?.Id ?? (Inbox?.CurrentMessage is { Headers.Count: > 0 } message ? message.Headers.GetValueOrDefault(MessageTracing.TraceParentHeader) : null);

    public string? HandlerTraceParent(Message message) =>
        Inbox is { } inbox && inbox.CurrentMessage?.Id == message.Id ? inbox.CurrentTrace?.Id : null;

    public void Subscribe(string pattern, int handlerId) => RequireInbox().Subscribe(pattern, handlerId);

    public bool Unsubscribe(int handlerId) => RequireInbox().Unsubscribe(handlerId);

    private PluginInbox RequireInbox() => Inbox ?? throw new InvalidOperationException("this instance has no inbox yet");

    /// <summary>Logs what is left without a final newline (at stop).</summary>
    public void FlushOutput()
    {
        foreach (var (lines, level, error) in new[] { (_stdout, LogLevel.Information, false), (_stderr, LogLevel.Error, true) })
        {
            lock (lines)
            {
                if (!lines.IsEmpty)
                    Output(level, error, lines.Take());
            }
        }
    }

    internal static LogLevel ToLogLevel(int pythonLevel) => pythonLevel switch
    {
        >= 50 => LogLevel.Critical,
        >= 40 => LogLevel.Error,
        >= 30 => LogLevel.Warning,
        >= 20 => LogLevel.Information,
        >= 10 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
