using System.Collections.Concurrent;
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
internal sealed class WorkerBinding(WorkerStart start, FrameChannel channel, PendingCalls calls) : IPluginBinding
{
    private readonly ConcurrentDictionary<int, byte> _subscriptions = new();

    public string PluginName => start.Plugin;

    public int Instance => start.Instance;

    public IReadOnlyDictionary<string, object?> Settings { get; } = start.Settings.ToDictionary(s => s.Key, s => JsonValues.ToPlain(s.Value));

    public int MaxOutputLength => start.MaxOutputLength;

    public void Log(int level, string logger, string message) =>
        channel.Send(new Frame { Kind = FrameKind.Log, Number = level, Text = logger, Text2 = message });

    public void Write(bool error, string text) => channel.Send(new Frame { Kind = FrameKind.Write, Flag = error, Text = text });

    public Task? Publish(Message message) => Ask(new Frame { Kind = FrameKind.Publish, Message = WireMessage.From(message) });

    public async Task<Message> Request(Message message, TimeSpan? timeout)
    {
        var answer = await Ask(new Frame { Kind = FrameKind.Request, Message = WireMessage.From(message), Timeout = timeout?.TotalSeconds }).ConfigureAwait(false);
        return answer.Message?.ToMessage() ?? throw new InvalidDataException("a reply frame without a message");
    }

    public async Task<HostPayload> Call(string function, HostPayload argument, TimeSpan? timeout)
    {
        var answer = await Ask(new Frame
        {
            Kind = FrameKind.Call, Text = function, Bytes = argument.Bytes, Text2 = argument.ContentType, Timeout = timeout?.TotalSeconds,
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

    private async Task<Frame> Ask(Frame frame)
    {
        var answer = calls.Send(channel, frame) ?? throw new ObjectDisposedException(nameof(FrameChannel), "the channel to the host is closed");
        return PendingCalls.Check(await answer.ConfigureAwait(false));
    }
}
