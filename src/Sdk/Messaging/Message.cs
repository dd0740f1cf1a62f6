using System.Collections.Immutable;

namespace PluginHost.Sdk.Messaging;

/// <summary>
/// A message between plugins (or host services): an immutable copy of its payload with its routing data. Payloads are
/// bytes on the wire; <see cref="ContentType"/> says how the receiver decodes them.
/// </summary>
public sealed record Message
{
    /// <summary>Dot-separated topic, e.g. <c>orders.created</c>. Subscriptions match it with <c>*</c> (one token) and <c>&gt;</c> (the rest).</summary>
    public required string Topic { get; init; }

    /// <summary>The payload's bytes; the broker copies them once from the sender and never shares them.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>One of <see cref="ContentTypes"/>.</summary>
    public string ContentType { get; init; } = ContentTypes.Bytes;

    /// <summary>Unique id, set by the broker when empty.</summary>
    public string Id { get; init; } = "";

    /// <summary>For a reply: the id of the request it answers. Otherwise free for the sender's use.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The sending plugin's name (set by the broker for plugins), or the host service's name.</summary>
    public string Sender { get; init; } = "";

    /// <summary>When set, the message goes to this plugin only (<c>name</c> or <c>name/instance</c>), not to topic subscribers.</summary>
    public string? To { get; init; }

    /// <summary>Set by the broker at publish when default.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Further headers, copied as strings.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>The content types a payload can have.</summary>
public static class ContentTypes
{
    /// <summary>Raw bytes, passed through.</summary>
    public const string Bytes = "application/octet-stream";

    /// <summary>A string, UTF-8 encoded.</summary>
    public const string Text = "text/plain; charset=utf-8";

    /// <summary>A JSON value (dict, list, str, int, float, bool, None), UTF-8 encoded.</summary>
    public const string Json = "application/json";
}
