using System.Text.Json;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// <c>PluginHost:Broker:UndeliveredFile</c>: one JSON line per message the broker gives up on without a receiver
/// handling it — dropped for a receiver (refused, inbox closed at stop, sender cancelled) or a dead letter nobody
/// subscribes to — with the reason and the payload (base64), so an operator can inspect or replay it. Appended, flushed
/// per line (a crash loses nothing already reported); written under a lock, off the hot path (drops are rare).
/// </summary>
internal sealed class UndeliveredFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;

    public UndeliveredFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public string Path { get; }

    /// <summary>Call while the payload is still held (before the delivery's outcome releases a pooled buffer).</summary>
    public void Write(Message message, string receiver, string reason)
    {
        var line = JsonSerializer.Serialize(new Record(
            DateTimeOffset.UtcNow, receiver, reason, message.Id, message.Topic, message.Sender, message.To, message.CorrelationId,
            message.ContentType, message.Timestamp, message.Headers, Convert.ToBase64String(message.Payload.Span)), UndeliveredJson.Default.Record);
        lock (_gate)
            _writer.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_gate)
            _writer.Dispose();
    }

    internal sealed record Record(
        DateTimeOffset At, string Receiver, string Reason, string Id, string Topic, string Sender, string? To, string? CorrelationId,
        string ContentType, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Headers, string Payload);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(UndeliveredFile.Record))]
internal sealed partial class UndeliveredJson : System.Text.Json.Serialization.JsonSerializerContext;
