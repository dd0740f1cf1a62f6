using Microsoft.Extensions.Logging;
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
                    _channel.Answer(frame.Id, PublishAsync(frame.Message!));
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
        catch (Exception e) when (frame.Kind is FrameKind.Log or FrameKind.Write or FrameKind.Subscribe or FrameKind.Unsubscribe or FrameKind.Policy)
        {
            // No answer is awaited for these: the failure is the host's to see.
            _logger.WorkerCallFailed(_process.Id, _name, frame.Kind.ToString(), e.Message);
        }
    }

    private async Task<Frame> PublishAsync(WireMessage message)
    {
        if (_binding.Publish(message.ToMessage()) is { } pending)
            await pending.ConfigureAwait(false);
        return new Frame();
    }

    private async Task<Frame> RequestAsync(Frame frame)
    {
        var reply = await _binding.Request(frame.Message!.ToMessage(), Seconds(frame.Timeout)).ConfigureAwait(false);
        return new Frame { Message = WireMessage.From(reply) };
    }

    private async Task<Frame> CallAsync(Frame frame)
    {
        var result = await _binding.Call(frame.Text!, new HostPayload(frame.Bytes, frame.Text2 ?? ""), Seconds(frame.Timeout)).ConfigureAwait(false);
        return new Frame { Bytes = result.Bytes, Text2 = result.ContentType };
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;
}
