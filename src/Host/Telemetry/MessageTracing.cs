using System.Collections.Immutable;
using System.Diagnostics;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Telemetry;

/// <summary>
/// Spans of the messages between plugins (ActivitySource <c>PluginHost.Messaging</c>): a plugin's publish (Producer),
/// request (Client) and host function call (Client), and each handler run (Consumer). A sent message carries its span's
/// W3C context in its <c>traceparent</c> (and <c>tracestate</c>) header, so the receiver's handler span continues the
/// trace, and what that handler sends in turn is its child: a chain of plugins is one trace. Without a listener
/// (tracing not configured) every method returns at its first check and no header is added.
/// </summary>
internal static class MessageTracing
{
    public const string SourceName = "PluginHost.Messaging";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    public static readonly ActivitySource Source = new(SourceName);

    private static double _rootSampleRatio = 1.0;

    /// <summary>
    /// The fraction of new traces recorded (<c>PluginHost:Telemetry:TraceSampleRatio</c>). Decided here, before any
    /// span is made, rather than by an OpenTelemetry sampler: asked for every message, the SDK's sampling cost a small
    /// message more than its delivery (docs/observability.md, "Overhead"). A span with a parent follows the parent's flag.
    /// </summary>
    public static double RootSampleRatio
    {
        get => Volatile.Read(ref _rootSampleRatio);
        set => Volatile.Write(ref _rootSampleRatio, value);
    }

    /// <summary>
    /// A span for a message a plugin sends, child of <paramref name="parent"/> (its running handler's span), and the
    /// message with the span's context in its headers; null (and the message unchanged) when not traced or not sampled.
    /// The span is not left current on this thread: the caller stops it when the send is done.
    /// </summary>
    public static Activity? StartSend(ref Message message, ActivityContext parent, string plugin, int instance, bool request)
    {
        if (!Source.HasListeners() || !Sampled(parent))
            return null;
        var activity = Start(request ? $"request {message.Topic}" : $"publish {message.Topic}", request ? ActivityKind.Client : ActivityKind.Producer,
            parent);
        if (activity is null)
            return null;
        activity.SetTag("messaging.system", "pluginhost");
        activity.SetTag("messaging.operation.type", "send");
        activity.SetTag("messaging.destination.name", message.Topic);
        activity.SetTag("messaging.message.id", message.Id);
        Tag(activity, plugin, instance);
        var headers = message.Headers.ToImmutableDictionary().SetItem(TraceParentHeader, activity.Id!);
        if (activity.TraceStateString is { Length: > 0 } state)
            headers = headers.SetItem(TraceStateHeader, state);
        message = message with { Headers = headers };
        return activity;
    }

    /// <summary>A span for a host function call a plugin makes, child of its running handler's span; null when not traced.</summary>
    public static Activity? StartCall(string function, ActivityContext parent, string plugin, int instance)
    {
        if (!Source.HasListeners() || !Sampled(parent))
            return null;
        var activity = Start($"call {function}", ActivityKind.Client, parent);
        if (activity is not null)
        {
            activity.SetTag("pluginhost.function", function);
            Tag(activity, plugin, instance);
        }
        return activity;
    }

    /// <summary>
    /// A span a plugin opens around its own work (<c>pluginhost.span</c>), child of <paramref name="parent"/> (its open
    /// span or running handler's); null when not traced or not sampled. Internal kind, tagged like the others plus
    /// <paramref name="attributes"/> (plain values the module converted).
    /// </summary>
    public static Activity? StartPluginSpan(string name, IReadOnlyDictionary<string, object?>? attributes, ActivityContext parent, string plugin, int instance)
    {
        if (!Source.HasListeners() || !Sampled(parent))
            return null;
        var activity = Start(name, ActivityKind.Internal, parent);
        if (activity is null)
            return null;
        Tag(activity, plugin, instance);
        if (attributes is not null)
        {
            foreach (var (key, value) in attributes)
                activity.SetTag(key, value);
        }
        return activity;
    }

    /// <summary>
    /// Ends a plugin's span; one its code left by an exception gets Error status and an <c>exception</c> event with the
    /// OpenTelemetry attributes <c>exception.type</c> and <c>exception.message</c> (the Python class and its text).
    /// </summary>
    public static void EndPluginSpan(Activity activity, string? errorType, string? errorMessage)
    {
        if (errorType is not null)
        {
            activity.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection
            {
                ["exception.type"] = errorType,
                ["exception.message"] = errorMessage ?? "",
            }));
            activity.SetStatus(ActivityStatusCode.Error, errorMessage is { Length: > 0 } ? $"{errorType}: {errorMessage}" : errorType);
        }
        activity.Stop();
    }

    /// <summary>The span of one handler run, continuing the trace in the message's <c>traceparent</c> header, if any.</summary>
    public static Activity? StartHandler(Message message, string plugin, int instance)
    {
        if (!Source.HasListeners())
            return null;
        if (message.Headers.Count == 0 || !message.Headers.TryGetValue(TraceParentHeader, out var traceParent)
            || !ActivityContext.TryParse(traceParent, message.Headers.GetValueOrDefault(TraceStateHeader), isRemote: true, out var parent))
            parent = default;
        if (!Sampled(parent))
            return null;
        var activity = Start($"process {message.Topic}", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "pluginhost");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", message.Topic);
            activity.SetTag("messaging.message.id", message.Id);
            Tag(activity, plugin, instance);
        }
        return activity;
    }

    /// <summary>Ends a span, as an error with <paramref name="error"/> when given.</summary>
    public static void End(Activity? activity, string? error = null)
    {
        if (activity is null)
            return;
        if (error is not null)
            activity.SetStatus(ActivityStatusCode.Error, error);
        activity.Stop();
    }

    /// <summary>Ends <paramref name="activity"/> when <paramref name="task"/> does (a request or call in flight).</summary>
    public static Task<T> EndWith<T>(Activity? activity, Task<T> task)
    {
        if (activity is not null)
            task.ContinueWith(static (t, state) => End((Activity)state!, t.IsFaulted ? t.Exception!.InnerException?.Message : t.IsCanceled ? "cancelled" : null),
                activity, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    // A new trace by the ratio; a continued one as its parent decided (W3C's sampled flag).
    private static bool Sampled(ActivityContext parent) =>
        parent == default ? RootSampleRatio >= 1.0 || Random.Shared.NextDouble() < RootSampleRatio : parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded);

    // Started with an explicit parent and not left as Activity.Current: plugin threads run many handlers in turn, and a
    // span must not become the parent of whatever the thread does next.
    private static Activity? Start(string name, ActivityKind kind, ActivityContext parent)
    {
        var previous = Activity.Current;
        var activity = Source.StartActivity(name, kind, parent);
        // Setting Activity.Current (an AsyncLocal) costs a new ExecutionContext: only when a span was started.
        if (activity is not null)
            Activity.Current = previous;
        return activity;
    }

    private static void Tag(Activity activity, string plugin, int instance)
    {
        activity.SetTag("pluginhost.plugin", plugin);
        activity.SetTag("pluginhost.instance", instance);
    }
}
