using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// <c>PluginHost:Broker:UndeliveredFile</c>: one JSON line per message the broker gives up on without a receiver
/// handling it — dropped for a receiver (refused, inbox closed at stop, sender cancelled) or a dead letter nobody
/// subscribes to — with the reason and the payload (base64), so an operator can inspect or replay it. Appended, flushed
/// per line (a crash loses nothing already reported); written under a lock, off the hot path (drops are rare).
/// A file that cannot be opened or written (disk full, permission) never fails the caller — the broker's drop and
/// dead-letter paths, the stop loop draining an inbox: the first failure is logged, every record lost is counted.
/// </summary>
internal sealed class UndeliveredFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly StreamWriter? _writer;
    private long _notWritten;
    private string? _firstError;

    public UndeliveredFile(string path, ILogger logger)
    {
        _logger = logger;
        Path = System.IO.Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        }
        catch (Exception e) when (IsFileError(e))
        {
            _firstError = e.Message;
            logger.UndeliveredFileUnusable(Path, e.Message);
        }
    }

    public string Path { get; }

    /// <summary>Records that could not be written (the file could not be opened, or a write failed).</summary>
    public long NotWritten => Interlocked.Read(ref _notWritten);

    /// <summary>The error of the first record not written, null while all were.</summary>
    public string? FirstError
    {
        get
        {
            lock (_gate)
                return _firstError;
        }
    }

    /// <summary>Call while the payload is still held (before the delivery's outcome releases a pooled buffer).</summary>
    public void Write(Message message, string receiver, string reason)
    {
        var line = JsonSerializer.Serialize(new Record(
            DateTimeOffset.UtcNow, receiver, reason, message.Id, message.Topic, message.Sender, message.To, message.CorrelationId,
            message.ContentType, message.Timestamp, message.Headers, Convert.ToBase64String(message.Payload.Span)), UndeliveredJson.Default.Record);
        lock (_gate)
        {
            try
            {
                if (_writer is null)
                {
                    _notWritten++;
                    return;
                }
                _writer.WriteLine(line);
            }
            catch (Exception e) when (IsFileError(e))
            {
                _notWritten++;
                if (_firstError is not null)
                    return;
                _firstError = e.Message;
                _logger.UndeliveredWriteFailed(Path, e.Message);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                _writer?.Dispose();
            }
            catch (Exception e) when (IsFileError(e))
            {
                // A last flush that fails: the records it held were already counted by the Write that failed.
            }
        }
    }

    private static bool IsFileError(Exception e) => e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException;

    internal sealed record Record(
        DateTimeOffset At, string Receiver, string Reason, string Id, string Topic, string Sender, string? To, string? CorrelationId,
        string ContentType, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Headers, string Payload);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(UndeliveredFile.Record))]
internal sealed partial class UndeliveredJson : System.Text.Json.Serialization.JsonSerializerContext;
