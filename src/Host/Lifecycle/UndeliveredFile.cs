using System.Text.Json;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// <c>PluginHost:UndeliveredFile</c>: messages still in an inbox when its instance stopped are appended here, one JSON
/// object a line (payload in base64), besides being counted as dropped — so they can be replayed by hand.
/// </summary>
internal sealed class UndeliveredFile(string path)
{
    // Instances stop one after another, but a sys.exit() stop can overlap: one writer at a time per process.
    private static readonly Lock Gate = new();

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public void Write(string receiver, string reason, Message message)
    {
        var line = JsonSerializer.Serialize(new Entry(
            DateTimeOffset.UtcNow, receiver, reason, message.Id, message.Topic, message.Sender, message.To, message.CorrelationId,
            message.ContentType, message.Timestamp, message.Headers, Convert.ToBase64String(message.Payload.Span)), Json);
        lock (Gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            File.AppendAllText(Path, line + "\n");
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Entry(
        DateTimeOffset Recorded, string Receiver, string Reason, string Id, string Topic, string Sender, string? To, string? CorrelationId,
        string ContentType, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Headers, string Payload);
}
