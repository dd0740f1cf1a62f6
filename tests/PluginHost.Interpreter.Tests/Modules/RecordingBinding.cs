using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// A real binding that records what the module sends and answers requests with <see cref="Replies"/> (the interpreter
/// itself is real; this stands in for the host's broker).
/// </summary>
internal sealed class RecordingBinding(string name, int instance, IReadOnlyDictionary<string, object?>? settings = null) : IPluginBinding
{
    public string PluginName => name;

    public int Instance => instance;

    public IReadOnlyDictionary<string, object?> Settings { get; } = settings ?? new Dictionary<string, object?>();

    public ConcurrentQueue<(int Level, string Logger, string Message)> Records { get; } = new();

    public ConcurrentQueue<(bool Error, string Text)> Output { get; } = new();

    public ConcurrentQueue<Message> Published { get; } = new();

    public ConcurrentDictionary<string, int> Subscriptions { get; } = new();

    /// <summary>What a publish returns: null (delivered), or a task the module must wait for without the GIL.</summary>
    public Func<Message, Task?> OnPublish { get; set; } = _ => null;

    public Func<Message, TimeSpan?, Task<Message>> Replies { get; set; } = (m, _) => Task.FromResult(m with { Topic = "reply" });

    /// <summary>Answers <c>pluginhost.call</c>; by default echoes the argument back.</summary>
    public Func<string, HostPayload, TimeSpan?, Task<HostPayload>> OnCall { get; set; } = (_, argument, _) => Task.FromResult(argument);

    public Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout) => OnCall(function, argument, timeout);

    public int MaxOutputLength { get; set; } = int.MaxValue;

    /// <summary>Headers over this many bytes are refused; every size asked about is recorded in <see cref="HeaderSizes"/>.</summary>
    public long MaxHeaderBytes { get; set; } = long.MaxValue;

    public ConcurrentQueue<long> HeaderSizes { get; } = new();

    public void CheckHeaderBytes(string topic, long bytes)
    {
        HeaderSizes.Enqueue(bytes);
        if (bytes > MaxHeaderBytes)
            throw new ArgumentException($"headers of {bytes} bytes are over the limit of {MaxHeaderBytes}");
    }

    public void Log(int level, string logger, string message) => Records.Enqueue((level, logger, message));

    public void Write(bool error, string text) => Output.Enqueue((error, text));

    public Task? Publish(Message message)
    {
        Published.Enqueue(message);
        return OnPublish(message);
    }

    public Task<Message> Request(Message message, TimeSpan? timeout) => Replies(message, timeout);

    public void Subscribe(string pattern, int handlerId) => Subscriptions[pattern] = handlerId;

    public bool Unsubscribe(int handlerId) => Subscriptions.Where(s => s.Value == handlerId).Select(s => Subscriptions.TryRemove(s.Key, out _)).Any();
}
