using System.Buffers;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The payload bytes of a frame, outside its JSON header: written after the header in one fixed order (the message,
/// <see cref="Frame.Bytes"/>, each delivery's message, then each outcome's reply), read back in the same order, each
/// the length its carrier states in the header.
/// </summary>
internal static class FramePayloads
{
    public static long Length(Frame frame)
    {
        long total = frame.Message?.Payload.Length ?? 0;
        total += frame.Bytes.Length;
        foreach (var delivery in frame.Deliveries ?? [])
            total += delivery.Message.Payload.Length;
        foreach (var outcome in frame.Outcomes ?? [])
            total += outcome.Reply?.Payload.Length ?? 0;
        return total;
    }

    /// <summary>Copies the payloads into <paramref name="target"/> (<see cref="Length"/> bytes).</summary>
    public static void Write(Frame frame, Span<byte> target)
    {
        Copy(frame.Message?.Payload ?? default, ref target);
        Copy(frame.Bytes, ref target);
        foreach (var delivery in frame.Deliveries ?? [])
            Copy(delivery.Message.Payload, ref target);
        foreach (var outcome in frame.Outcomes ?? [])
            Copy(outcome.Reply?.Payload ?? default, ref target);
    }

    /// <summary>Gives each carrier its bytes (a copy of its own) from <paramref name="payloads"/>, which must hold exactly them.</summary>
    public static void Read(Frame frame, ReadOnlySequence<byte> payloads)
    {
        if (frame.Message is { } message)
            message.Payload = Take(message.PayloadLength, ref payloads);
        frame.Bytes = Take(frame.BytesLength, ref payloads);
        foreach (var delivery in frame.Deliveries ?? [])
            delivery.Message.Payload = Take(delivery.Message.PayloadLength, ref payloads);
        foreach (var outcome in frame.Outcomes ?? [])
        {
            if (outcome.Reply is { } reply)
                reply.Payload = Take(reply.PayloadLength, ref payloads);
        }
        if (payloads.Length != 0)
            throw new InvalidDataException($"{payloads.Length} payload bytes on the worker channel that no field of a {frame.Kind} frame claims");
    }

    private static void Copy(ReadOnlyMemory<byte> payload, ref Span<byte> target)
    {
        payload.Span.CopyTo(target);
        target = target[payload.Length..];
    }

    private static byte[] Take(int length, ref ReadOnlySequence<byte> payloads)
    {
        if (length < 0 || length > payloads.Length)
            throw new InvalidDataException($"a payload of {length} bytes on the worker channel where {payloads.Length} are left");
        if (length == 0)
            return [];
        var bytes = payloads.Slice(0, length).ToArray();
        payloads = payloads.Slice(length);
        return bytes;
    }
}
