using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// What became of one message handed to an interpreter's handlers, when no handler raised: handled (with the reply to
/// a request, if any), or undecodable — its payload did not decode in the receiver, which is the sender's fault.
/// </summary>
internal readonly struct DeliveryOutcome
{
    private DeliveryOutcome(Message? reply, string? undecodable)
    {
        Reply = reply;
        Undecodable = undecodable;
    }

    /// <summary>The reply to a request (null: the message was not a request).</summary>
    public Message? Reply { get; }

    /// <summary>Why the payload did not decode, naming the sender; null when it was handled.</summary>
    public string? Undecodable { get; }

    public static DeliveryOutcome Handled(Message? reply) => new(reply, null);

    public static DeliveryOutcome NotDecoded(string why) => new(null, why);
}
