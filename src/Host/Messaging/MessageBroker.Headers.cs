using System.Text;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>Who hands the broker a message: what it may carry depends on it.</summary>
internal enum PublishOrigin
{
    /// <summary>A plugin or a .NET service: bounded headers, none of the broker's own, not on the dead-letter topic.</summary>
    Publisher,

    /// <summary>A remote peer through the transport: checked at its origin; only the size bound applies here.</summary>
    Transport,

    /// <summary>The broker itself (dead letters): trusted.</summary>
    Broker,
}

internal sealed partial class MessageBroker
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> when headers of <paramref name="bytes"/> bytes (UTF-8, names and values)
    /// are over <see cref="Configuration.BrokerOptions.MaxHeaderBytes"/>, counting and logging the refusal like one at
    /// publish. A plugin's module calls it (through its binding) before it copies headers out of Python;
    /// <see cref="Prepare"/> says the same for every publisher.
    /// </summary>
    public void CheckHeaderBytes(string topic, string sender, long bytes)
    {
        if (bytes <= Options.MaxHeaderBytes)
            return;
        var reason = HeadersTooLarge(bytes);
        _metrics.Rejected(sender);
        _logger.Rejected(topic, sender, reason);
        throw new ArgumentException(reason);
    }

    private string HeadersTooLarge(long bytes) =>
        $"The message's headers hold {bytes} bytes (names and values, UTF-8), over the limit of {Options.MaxHeaderBytes} bytes (PluginHost:Broker:MaxHeaderBytes).";

    /// <summary>Null when a publisher may send <paramref name="message"/>'s headers to its topic; else why not.</summary>
    private string? CheckPublisher(Message message, PublishOrigin origin)
    {
        if (origin == PublishOrigin.Publisher && message.Topic == Options.DeadLetterTopic)
            return $"Topic '{message.Topic}' is the dead-letter topic (PluginHost:Broker:DeadLetterTopic): only the broker publishes there.";
        if (message.Headers is null)
            return "The message's headers are null; leave them empty instead.";
        long bytes = 0;
        foreach (var (name, value) in message.Headers)
        {
            if (string.IsNullOrEmpty(name) || value is null)
                return $"Header '{name}' has {(value is null ? "no value" : "an empty name")}; every header needs a name and a value.";
            if (origin == PublishOrigin.Publisher && DeadLetterHeaders.Reserved.Contains(name))
                return $"Header '{name}' is the broker's own (it marks dead letters: {string.Join(", ", DeadLetterHeaders.Reserved.Order(StringComparer.Ordinal))}); a publisher may not set it.";
            bytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }
        return bytes > Options.MaxHeaderBytes ? HeadersTooLarge(bytes) : null;
    }
}
