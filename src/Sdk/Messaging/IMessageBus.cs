namespace PluginHost.Sdk.Messaging;

/// <summary>A handler of messages from .NET. For a request, a returned message is the reply; otherwise it is ignored.</summary>
public delegate ValueTask<Message?> MessageHandler(Message message, CancellationToken cancellationToken);

/// <summary>
/// Publish/subscribe and request/reply between plugins and host services. Messages are copied; nothing is shared.
/// </summary>
public interface IMessageBus
{
    /// <summary>
    /// Routes a copy of <paramref name="message"/> to every subscribed plugin (one instance each) and .NET subscriber,
    /// or to <see cref="Message.To"/>. Waits while a receiver's inbox is full, or fails after the configured time.
    /// </summary>
    ValueTask PublishAsync(Message message, CancellationToken cancellationToken = default);

    /// <summary>Subscribes a .NET handler to a topic pattern until the returned handle is disposed.</summary>
    IDisposable Subscribe(string pattern, MessageHandler handler);

    /// <summary>
    /// Sends <paramref name="request"/> to one receiver (<see cref="Message.To"/>, or one subscriber of its topic) and
    /// returns its reply. Throws <see cref="MessageDeliveryException"/> when nobody can receive it, and
    /// <see cref="TimeoutException"/> when no reply arrives in time.
    /// </summary>
    Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>A message could not be delivered: no receiver, payload too large, inbox full past its wait, or the receiver failed.</summary>
public sealed class MessageDeliveryException(string message) : Exception(message);
