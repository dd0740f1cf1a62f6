using System.Collections.Immutable;
using System.Globalization;
using NATS.Client.Core;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// A <see cref="Message"/>'s fields as NATS headers: the id as <c>Nats-Msg-Id</c> (what JetStream de-duplicates by),
/// the others as <c>Ph-*</c>, and the message's own headers (dead-letter ones too) as <c>Ph-H-&lt;name&gt;</c>, so a
/// publisher's header can never pose as one of ours.
/// </summary>
internal static class NatsWire
{
    public const string Id = "Nats-Msg-Id";
    public const string ContentType = "Ph-Content-Type";
    public const string Sender = "Ph-Sender";
    public const string Correlation = "Ph-Correlation";
    public const string To = "Ph-To";
    public const string Topic = "Ph-Topic";
    public const string Time = "Ph-Time";

    /// <summary>The plugins the publishing host delivered the message to itself: their queue members elsewhere skip it.</summary>
    public const string Served = "Ph-Served";

    /// <summary>On a request: how long the requester waits, in milliseconds (the replier's own deadline).</summary>
    public const string Timeout = "Ph-Timeout";

    /// <summary>On a reply: the request failed at the replier (with <see cref="ErrorKind"/>).</summary>
    public const string Error = "Ph-Error";

    public const string ErrorKind = "Ph-Error-Kind";
    public const string UserPrefix = "Ph-H-";

    public static NatsHeaders Encode(Message message)
    {
        var headers = new NatsHeaders
        {
            [Id] = message.Id,
            [Time] = message.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        if (message.ContentType != ContentTypes.Bytes) headers[ContentType] = message.ContentType;
        if (message.Sender.Length > 0) headers[Sender] = message.Sender;
        if (message.CorrelationId is { } correlation) headers[Correlation] = correlation;
        if (message.To is { } to)
        {
            headers[To] = to;
            headers[Topic] = message.Topic;
        }
        foreach (var (name, value) in message.Headers)
        {
            if (name.Any(c => c is ':' or <= ' ' or > '~') || value.Any(c => c is '\r' or '\n'))
                throw new MessageDeliveryException($"Header '{name}' cannot travel over NATS: names must be printable ASCII without ':' or spaces, values free of line breaks.");
            headers[UserPrefix + name] = value;
        }
        return headers;
    }

    /// <summary>The message a NATS message carries; <paramref name="topic"/> from its subject (null for an addressed one).</summary>
    public static Message Decode(string? topic, NatsHeaders? headers, byte[]? data) => Decode(topic, WireHeaders.From(headers), data);

    /// <inheritdoc cref="Decode(string?, NatsHeaders?, byte[]?)"/>
    public static Message Decode(string? topic, in WireHeaders headers, byte[]? data)
    {
        var userHeaders = ImmutableDictionary<string, string>.Empty;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (name.StartsWith(UserPrefix, StringComparison.Ordinal) && !userHeaders.ContainsKey(name[UserPrefix.Length..]))
                userHeaders = userHeaders.Add(name[UserPrefix.Length..], value);   // the first, as Get reads ours
        }

        return new Message
        {
            Topic = topic ?? headers.Get(Topic) ?? "",
            Payload = data ?? [],
            Id = headers.Get(Id) ?? "",
            ContentType = headers.Get(ContentType) ?? ContentTypes.Bytes,
            Sender = headers.Get(Sender) ?? "",
            CorrelationId = headers.Get(Correlation),
            To = headers.Get(To),
            Timestamp = long.TryParse(headers.Get(Time), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : default,
            Headers = userHeaders,
        };
    }

    public static string? Get(NatsHeaders? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>
    /// An upper bound of what <paramref name="headers"/> take on the wire when they hold only the fields of
    /// <paramref name="message"/> (no headers of its own) and <see cref="Served"/>: cheaper than <see cref="Size"/>.
    /// </summary>
    public static int FixedHeadersAtMost(Message message, NatsHeaders headers)
    {
        var chars = message.Id.Length + 20 + message.ContentType.Length + message.Sender.Length + (message.CorrelationId?.Length ?? 0)
            + (message.To?.Length ?? 0) + message.Topic.Length + (Get(headers, Served)?.Length ?? 0) + (Get(headers, Timeout)?.Length ?? 0);
        return 256 + 3 * chars;   // names, separators and line ends of at most 9 headers, values at 3 bytes a character
    }

    /// <summary>Bytes the headers take on the wire, near enough for the max_payload check.</summary>
    public static int Size(NatsHeaders headers)
    {
        var size = 12;   // "NATS/1.0\r\n" and the closing "\r\n"
        foreach (var (name, values) in headers)
            size += System.Text.Encoding.UTF8.GetByteCount(name) + 4 + System.Text.Encoding.UTF8.GetByteCount(values.ToString());
        return size;
    }
}
