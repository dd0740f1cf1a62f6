using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>Brokers over the in-process transport and messages, for the messaging tests.</summary>
internal static class Brokers
{
    public static MessageBroker Create(BrokerOptions? options = null, ILoggerFactory? logs = null) =>
        new(options ?? new BrokerOptions(),
            logs is null ? NullLogger<MessageBroker>.Instance : new Logger<MessageBroker>(logs),
            new InProcessTransport());

    public static Message Text(string topic, string text = "", string? to = null) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(text), ContentType = ContentTypes.Text, To = to };

    public static string TextOf(Delivery delivery) => TestMessages.TextOf(delivery.Message);
}
