using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace PluginHost.Host.Isolation;

/// <summary>
/// One end of the worker channel: a connected Unix domain socket carrying frames. A frame is a 4-byte little-endian
/// length of what follows, a 4-byte little-endian length of the JSON header, the header (a <see cref="Frame"/> as UTF-8
/// JSON, source-generated), then the payload bytes raw (<see cref="FramePayloads"/>). Reading goes through
/// System.IO.Pipelines. A frame is encoded whole on the sender's thread (so payloads lent to it need to live only for
/// the call) into a pooled buffer, which one writer loop hands to the socket in order with a plain blocking send: a
/// PipeWriter over a NetworkStream cost about 30 µs per small frame here (request/reply p50 to a worker 127 µs →
/// 96 µs with the send alone), and the other side's receiving thread never stops reading, so a send waits at most for
/// the kernel to copy it.
/// <para>
/// Latency: each hop between threads costs a wake-up (tens of µs on a busy machine), so there are as few as can be.
/// A dedicated thread blocks in <c>recv</c> and feeds a <see cref="Pipe"/> whose reader continues inline, so the
/// channel's user handles each frame on that thread, woken by the kernel; and the writer loop continues inline in
/// <see cref="Send"/> when it was idle, so a frame sent on a quiet channel is written by its sender's thread.
/// (On the host's side the pump that drains an inbox into the worker also starts on the publisher's thread:
/// <see cref="WorkerRuntime.Schedule"/>.)
/// </para>
/// </summary>
internal sealed class FrameChannel : IAsyncDisposable
{
    /// <summary>The largest frame either side accepts: a message payload is bounded by the broker well below this.</summary>
    public const int MaxFrameBytes = 256 << 20;

    private const int PrefixBytes = 8;

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly Channel<Encoded> _outgoing = Channel.CreateUnbounded<Encoded>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    // What the receiving thread read, for ReceiveAsync: unbounded (the reader takes every whole frame at once), and
    // the reader's continuation runs on the receiving thread (no hop through the thread pool).
    private readonly Pipe _received = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Task _writing;
    // The header's scratch space, reused under the lock (senders are the interpreter's thread, the pump, the read loop).
    private readonly Lock _encoding = new();
    private readonly ArrayBufferWriter<byte> _header = new(1024);
    private readonly Utf8JsonWriter _json;

    public FrameChannel(Socket socket)
    {
        _socket = socket;
        _reader = _received.Reader;
        _json = new Utf8JsonWriter(_header);
        _writing = Task.Run(WriteLoopAsync);
        new Thread(ReceiveLoop, 256 * 1024) { IsBackground = true, Name = "worker-channel" }.Start();
    }

    /// <summary>The receiving thread: blocks in recv, hands what came to the pipe (whose reader runs inline here).</summary>
    private void ReceiveLoop()
    {
        var writer = _received.Writer;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var read = _socket.Receive(writer.GetMemory(64 * 1024).Span);
                if (read == 0)
                    break;
                writer.Advance(read);
                var flushed = writer.FlushAsync();
                var result = flushed.IsCompleted ? flushed.Result : flushed.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted)
                    break;   // the reader is done (the channel is disposed)
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            failure = new IOException($"the worker channel's socket failed: {e.Message}", e);
        }
        writer.Complete(failure);
    }

    /// <summary>Encodes <paramref name="frame"/> now and queues it; false once the channel is closed.</summary>
    public bool Send(Frame frame)
    {
        var encoded = Encode(frame);
        if (_outgoing.Writer.TryWrite(encoded))
            return true;
        ArrayPool<byte>.Shared.Return(encoded.Buffer);
        return false;
    }

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

    private Encoded Encode(Frame frame)
    {
        lock (_encoding)
        {
            _header.ResetWrittenCount();
            _json.Reset();
            JsonSerializer.Serialize(_json, frame, FrameJson.Default.Frame);
            var payloads = FramePayloads.Length(frame);
            var length = PrefixBytes + _header.WrittenCount + payloads;
            if (length > MaxFrameBytes)
                throw new ArgumentException($"a {frame.Kind} frame of {length} bytes cannot cross the worker channel (at most {MaxFrameBytes})");
            var buffer = ArrayPool<byte>.Shared.Rent((int)length);
            BinaryPrimitives.WriteInt32LittleEndian(buffer, (int)length - 4);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4), _header.WrittenCount);
            _header.WrittenSpan.CopyTo(buffer.AsSpan(PrefixBytes));
            FramePayloads.Write(frame, buffer.AsSpan(PrefixBytes + _header.WrittenCount, (int)payloads));
            return new Encoded(buffer, (int)length);
        }
    }

    private static bool TryParse(ref ReadOnlySequence<byte> buffer, out Frame? frame)
    {
        frame = null;
        if (buffer.Length < PrefixBytes)
            return false;
        Span<byte> prefix = stackalloc byte[PrefixBytes];
        buffer.Slice(0, PrefixBytes).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        var header = BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]);
        if (length is < 4 or > MaxFrameBytes || header < 0 || header > length - 4)
            throw new InvalidDataException($"a frame of {length} bytes with a {header}-byte header on the worker channel (at most {MaxFrameBytes})");
        if (buffer.Length < 4 + length)
            return false;
        var reader = new Utf8JsonReader(buffer.Slice(PrefixBytes, header));
        frame = JsonSerializer.Deserialize(ref reader, FrameJson.Default.Frame) ?? throw new InvalidDataException("an empty frame on the worker channel");
        var end = buffer.GetPosition(4 + length);
        FramePayloads.Read(frame, buffer.Slice(PrefixBytes + header).Slice(0, length - 4 - header));
        buffer = buffer.Slice(end);
        return true;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var encoded))
                {
                    try
                    {
                        var span = encoded.Buffer.AsSpan(0, encoded.Length);
                        while (span.Length > 0)
                            span = span[_socket.Send(span)..];
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(encoded.Buffer);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The other side is gone: the reader sees it too and ends the channel's user.
        }
        _outgoing.Writer.TryComplete();
        while (_outgoing.Reader.TryRead(out var left))
            ArrayPool<byte>.Shared.Return(left.Buffer);
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            // Every queued frame was written by the loop awaited above; the other side may be gone (a crash, a dead host).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Already closed by the other side: nothing to flush to.
        }
        _socket.Dispose();
    }

    /// <summary>A frame as bytes, in a buffer rented from the shared pool (returned once written).</summary>
    private readonly record struct Encoded(byte[] Buffer, int Length);
}
