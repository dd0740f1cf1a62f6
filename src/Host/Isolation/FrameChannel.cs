using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace PluginHost.Host.Isolation;

/// <summary>
/// One end of the worker channel: a connected Unix domain socket carrying frames, each a 4-byte little-endian length
/// followed by that many bytes of a <see cref="Frame"/> as UTF-8 JSON. Reading and writing go through
/// System.IO.Pipelines; sends from any thread are queued and written in order by one writer loop.
/// </summary>
internal sealed class FrameChannel : IAsyncDisposable
{
    /// <summary>The largest frame either side accepts: a message payload is bounded by the broker well below this.</summary>
    public const int MaxFrameBytes = 256 << 20;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<Frame> _outgoing = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;

    public FrameChannel(Socket socket)
    {
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _reader = PipeReader.Create(stream);
        _writer = PipeWriter.Create(stream);
        _writing = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues <paramref name="frame"/>; false once the channel is closed.</summary>
    public bool Send(Frame frame) => _outgoing.Writer.TryWrite(frame);

    /// <summary>Sends the result of <paramref name="work"/> (or its exception, as values) as the <see cref="FrameKind.Done"/> of frame <paramref name="id"/>.</summary>
    public async void Answer(long id, Task<Frame> work)
    {
        Frame answer;
        try
        {
            answer = await work.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            answer = new Frame { Error = WireError.From(e) };
        }
        answer.Kind = FrameKind.Done;
        answer.Id = id;
        Send(answer);
    }

    /// <summary>Reads frames until the other side closes (null) or the channel fails (throws).</summary>
    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (TryParse(ref buffer, out var frame))
            {
                _reader.AdvanceTo(buffer.Start);
                return frame;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted || read.IsCanceled)
                return null;
        }
    }

    private static bool TryParse(ref ReadOnlySequence<byte> buffer, out Frame? frame)
    {
        frame = null;
        if (buffer.Length < 4)
            return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length is < 0 or > MaxFrameBytes)
            throw new InvalidDataException($"a frame of {length} bytes on the worker channel (at most {MaxFrameBytes})");
        if (buffer.Length < 4 + length)
            return false;
        var body = buffer.Slice(4, length);
        var reader = new Utf8JsonReader(body);
        frame = JsonSerializer.Deserialize<Frame>(ref reader, Json) ?? throw new InvalidDataException("an empty frame on the worker channel");
        buffer = buffer.Slice(body.End);
        return true;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var frame))
                {
                    // The body is serialised first, into its own buffer, so that its length can lead it.
                    var body = JsonSerializer.SerializeToUtf8Bytes(frame, Json);
                    BinaryPrimitives.WriteInt32LittleEndian(_writer.GetSpan(4), body.Length);
                    _writer.Advance(4);
                    _writer.Write(body);
                }
                var flushed = await _writer.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted)
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The other side is gone: the reader sees it too and ends the channel's user.
        }
        _outgoing.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            // Completing flushes what is left: the other side may be gone (a crashed worker, a dead host).
            await _writer.CompleteAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Already closed by the other side: nothing to flush to.
        }
        _socket.Dispose();
    }
}
