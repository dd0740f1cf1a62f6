using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Telemetry;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Isolation;

// The worker's plugin calling into the host: each frame becomes the same call on the instance's real binding.
internal sealed partial class WorkerRuntime
{
    private void ServeBinding(Frame frame)
    {
        try
        {
            switch (frame.Kind)
            {
                case FrameKind.Log:
                    if (_binding is PluginBinding plugin && ParentOf(frame) is { } parent)
                        plugin.Log(frame.Number, frame.Text ?? "", frame.Text2 ?? "", parent);
                    else
                        _binding.Log(frame.Number, frame.Text ?? "", frame.Text2 ?? "");
                    break;
                case FrameKind.Write:
                    _binding.Write(frame.Flag, frame.Text ?? "");
                    break;
                case FrameKind.Subscribe:
                    _binding.Subscribe(frame.Text!, frame.Number);
                    break;
                case FrameKind.Unsubscribe:
                    _binding.Unsubscribe(frame.Number);
                    break;
                case FrameKind.Policy when frame.Decision is { } decision:
                    if (frame.Flag)
                        PolicyListener?.Allowed(decision);
                    else
                        PolicyListener?.Denied(decision);
                    break;
                case FrameKind.Publish:
                    _channel.Answer(frame.Id, PublishAsync(frame));
                    break;
                case FrameKind.SpanStart:
                    _channel.Answer(frame.Id, Task.FromResult(StartSpan(frame)));
                    break;
                case FrameKind.SpanEnd:
                    EndSpan(frame);
                    break;
                case FrameKind.Request:
                    _channel.Answer(frame.Id, RequestAsync(frame));
                    break;
                case FrameKind.Call:
                    _channel.Answer(frame.Id, CallAsync(frame));
                    break;
                default:
                    throw new InvalidDataException($"unexpected frame {frame.Kind} from the worker");
            }
        }
        catch (Exception e) when (frame.Kind is FrameKind.Log or FrameKind.Write or FrameKind.Subscribe or FrameKind.Unsubscribe or FrameKind.Policy or FrameKind.SpanEnd)
        {
            // No answer is awaited for these: the failure is the host's to see.
            _logger.WorkerCallFailed(_process.Id, _name, frame.Kind.ToString(), e.Message);
        }
    }

    // A send names the worker's parent span (its own or its handler's): the host's span of it is that span's child.
    private async Task<Frame> PublishAsync(Frame frame)
    {
        var message = frame.Message!.ToMessage();
        var pending = _binding is PluginBinding plugin && ParentOf(frame) is { } parent ? plugin.Publish(message, parent) : _binding.Publish(message);
        if (pending is not null)
            await pending.ConfigureAwait(false);
        return new Frame();
    }

    private async Task<Frame> RequestAsync(Frame frame)
    {
        var message = frame.Message!.ToMessage();
        var timeout = Seconds(frame.Timeout);
        var reply = await (_binding is PluginBinding plugin && ParentOf(frame) is { } parent
            ? plugin.Request(message, timeout, parent) : _binding.Request(message, timeout)).ConfigureAwait(false);
        return new Frame { Message = WireMessage.From(reply) };
    }

    private async Task<Frame> CallAsync(Frame frame)
    {
        var argument = new HostPayload(frame.Bytes, frame.Text2 ?? "");
        var timeout = Seconds(frame.Timeout);
        var result = await (_binding is PluginBinding plugin && ParentOf(frame) is { } parent
            ? plugin.Call(frame.Text!, argument, timeout, parent) : _binding.Call(frame.Text!, argument, timeout)).ConfigureAwait(false);
        return new Frame { Bytes = result.Bytes, Text2 = result.ContentType };
    }

    // The worker's spans (pluginhost.span) made here, by handle, until the worker ends them. One never ended is never
    // exported, as in-process; those of a lost worker are dropped with it.
    private readonly ConcurrentDictionary<long, Activity> _spans = new();
    private long _nextSpan;

    /// <summary>A worker's span: the host's Activity, child of the parent the worker named, started at the worker's time.</summary>
    private Frame StartSpan(Frame frame)
    {
        if (ParentOf(frame) is not { } parent || frame.Text is not { } name)
            return new Frame();
        var attributes = frame.Attributes?.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        if (MessageTracing.StartPluginSpan(name, attributes, parent, _binding.PluginName, _binding.Instance) is not { } span)
            return new Frame();   // not recorded (no listener now)
        if (frame.At is { } at)
            span.SetStartTime(at);
        var handle = Interlocked.Increment(ref _nextSpan);
        _spans[handle] = span;
        return new Frame { Target = handle, Text = span.Id };
    }

    private void EndSpan(Frame frame)
    {
        if (!_spans.TryRemove(frame.Target, out var span))
            return;
        if (frame.At is { } at && at > span.StartTimeUtc)
            span.SetEndTime(at);
        MessageTracing.EndPluginSpan(span, frame.Text, frame.Text2);
    }

    private static ActivityContext? ParentOf(Frame frame) =>
        frame.Parent is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: false, out var context) ? context : null;

    private static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;
}
