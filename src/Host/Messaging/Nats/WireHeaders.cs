using System.Buffers;
using System.Text;
using NATS.Client.Core;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// The headers of a NATS message that are ours (<see cref="NatsWire.Id"/> and <c>Ph-*</c>), read straight from the
/// header block as it came off the socket: others' headers are skipped without a string, and no dictionary is built
/// (NATS.Net's <see cref="NatsHeaders"/>: a dictionary and a string per name and value, for every message).
/// </summary>
internal readonly struct WireHeaders
{
    private readonly (string Name, string Value)[]? _fields;
    private readonly int _count;

    private WireHeaders((string, string)[] fields, int count) => (_fields, _count) = (fields, count);

    public int Count => _count;

    public (string Name, string Value) this[int index] => _fields![index];

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_fields![i].Name, name, StringComparison.Ordinal)) return _fields[i].Value;
        }
        return null;
    }

    public static WireHeaders From(NatsHeaders? headers)
    {
        if (headers is null || headers.Count == 0) return default;
        var fields = new (string, string)[headers.Count];
        var count = 0;
        foreach (var (name, values) in headers)
        {
            if (Ours(name) && values.Count > 0) fields[count++] = (name, values[0]!);
        }
        return new WireHeaders(fields, count);
    }

    /// <summary>
    /// Reads <c>NATS/1.0[ status]\r\n(Name: Value\r\n)*\r\n</c> as NATS.Net's parser does: the name up to the first
    /// colon, the value without surrounding spaces and tabs (UTF-8; ours are ASCII).
    /// </summary>
    public static WireHeaders Parse(ReadOnlySequence<byte>? block)
    {
        if (block is not { IsEmpty: false } sequence) return default;
        var bytes = sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray();
        var end = bytes.IndexOf("\r\n"u8);
        if (end < 0) return default;
        bytes = bytes[(end + 2)..];   // the version line (a status code, if any, is not ours)

        (string, string)[]? fields = null;
        var count = 0;
        while ((end = bytes.IndexOf("\r\n"u8)) > 0)
        {
            var line = bytes[..end];
            bytes = bytes[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            if (!Ours(name)) continue;
            fields ??= new (string, string)[4];   // ours: usually id, time, sender
            if (count == fields.Length) Array.Resize(ref fields, count * 2);
            fields[count++] = (NameOf(name), Encoding.UTF8.GetString(line[(colon + 1)..].Trim(" \t"u8)));
        }
        return fields is null ? default : new WireHeaders(fields, count);
    }

    private static bool Ours(string name) =>
        name.StartsWith("Ph-", StringComparison.Ordinal) || string.Equals(name, NatsWire.Id, StringComparison.Ordinal);

    private static bool Ours(ReadOnlySpan<byte> name) => name.StartsWith("Ph-"u8) || name.SequenceEqual("Nats-Msg-Id"u8);

    /// <summary>Our fixed names as the constants (no string per message); a publisher's own headers decoded.</summary>
    private static string NameOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("Nats-Msg-Id"u8) => NatsWire.Id,
        _ when name.SequenceEqual("Ph-Time"u8) => NatsWire.Time,
        _ when name.SequenceEqual("Ph-Sender"u8) => NatsWire.Sender,
        _ when name.SequenceEqual("Ph-Served"u8) => NatsWire.Served,
        _ when name.SequenceEqual("Ph-Content-Type"u8) => NatsWire.ContentType,
        _ => Encoding.UTF8.GetString(name),
    };
}
