using System.Text;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Tests.Shared;

/// <summary>Messages as tests write and read them (imported statically in both test projects).</summary>
public static class TestMessages
{
    /// <summary>A JSON message with <paramref name="json"/> as its UTF-8 payload.</summary>
    public static Message JsonMessage(string topic, string json, string? to = null, string sender = "") =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(json), ContentType = ContentTypes.Json, To = to, Sender = sender };

    /// <summary>The payload read as UTF-8 text.</summary>
    public static string TextOf(Message message) => Encoding.UTF8.GetString(message.Payload.Span);
}
