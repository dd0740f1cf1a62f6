using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>Brokers over the in-process transport, messages and waiting, for the messaging tests.</summary>
internal static class Brokers
{
    public static MessageBroker Create(BrokerOptions? options = null, ILoggerFactory? logs = null) =>
        new(options ?? new BrokerOptions(),
            logs is null ? NullLogger<MessageBroker>.Instance : new Logger<MessageBroker>(logs),
            new InProcessTransport());

    public static Message Text(string topic, string text = "", string? to = null) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(text), ContentType = ContentTypes.Text, To = to };

    public static string TextOf(Message message) => Encoding.UTF8.GetString(message.Payload.Span);

    public static string TextOf(Delivery delivery) => TextOf(delivery.Message);

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Until(Func<bool> condition, double seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Condition not met within {seconds} s.");
            await Task.Delay(5);
        }
    }
}
