using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Contract;

/// <summary>
/// One message handed to a runtime by an <see cref="IMessageSource"/> and given back, with its outcome, to
/// <see cref="IMessageSource.Report"/>. The host's delivery derives from it (no wrapper per message). A runtime that
/// keeps <see cref="Message"/>'s payload beyond the report takes its own payload lease.
/// </summary>
public abstract class InboundMessage(Message message, bool isRequest)
{
    public Message Message { get; } = message;

    /// <summary>The sender waits for a reply: the last handler's return value is it.</summary>
    public bool IsRequest { get; } = isRequest;
}
