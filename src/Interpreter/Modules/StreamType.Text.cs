using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// How text reaches the binding: from a str, or from UTF-8 bytes (the raw stream under the plugin's io.TextIOWrapper).
internal static unsafe partial class StreamType
{
    /// <summary>A str, in pieces when large: the host keeps a bounded part of each line, so it never holds it whole.</summary>
    private static void WriteText(IPluginBinding binding, bool error, BorrowedRef text)
    {
        var length = Interop.StringLength(text);
        if (length <= PluginOutput.PieceLength)
        {
            binding.Write(error, Interop.AsString(text));
            return;
        }
        for (long start = 0; start < length; start += PluginOutput.PieceLength)
        {
            using var piece = Interop.Substring(text, start, start + PluginOutput.PieceLength);
            binding.Write(error, Interop.AsString(piece.Borrow()));
        }
    }

    /// <summary>
    /// <c>_write_bytes(data)</c>: what <c>sys.stdout.buffer.write</c> is. Decodes UTF-8 (invalid sequences replaced,
    /// as a line of log text must be text) and keeps the 1–3 bytes of a character that the next call completes.
    /// Returns len(data), as a raw stream's write does. Native rather than Python: print() makes four writes.
    /// </summary>
    [UnmanagedCallersOnly]
    private static nint WriteBytes(nint self, nint definingClass, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            if (nargs != 1 || kwnames != 0)
                throw PythonError.Type("_write_bytes() takes exactly one argument");
            var state = (ModuleState*)Interop.TypeModuleState(definingClass);
            if (state == null)
                throw PythonException.FetchCurrent();
            var data = new BorrowedRef(args[0]);
            if (Interop.HasTypeFlag(data.Pointer, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
                throw PythonError.Type("a bytes-like object is required, not 'str'");
            using var copy = Interop.HasTypeFlag(data.Pointer, Interop.Py_TPFLAGS_BYTES_SUBCLASS) ? default : Interop.BytesFromObject(data);
            var bytes = Interop.BytesSpan(copy.IsNull ? data : copy.Borrow());
            var stream = (StreamObject*)self;
            Decode(state->RequireBinding(), stream, bytes);
            return Interop.NewLong(bytes.Length).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    private static void Decode(IPluginBinding binding, StreamObject* stream, ReadOnlySpan<byte> bytes)
    {
        var pending = stream->PendingLength;
        var input = bytes;
        byte[]? joined = null;
        if (pending > 0)
        {
            joined = ArrayPool<byte>.Shared.Rent((int)pending + bytes.Length);
            var kept = stream->Pending;
            for (var i = 0; i < pending; i++)
                joined[i] = (byte)(kept >> (8 * i));
            bytes.CopyTo(joined.AsSpan((int)pending));
            input = joined.AsSpan(0, (int)pending + bytes.Length);
        }
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(input.Length, 1));
        try
        {
            Utf8.ToUtf16(input, chars, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: false);
            var rest = input[read..];   // NeedMoreData: the start of a character, at most 3 bytes
            nint keep = 0;
            for (var i = 0; i < rest.Length; i++)
                keep |= (nint)rest[i] << (8 * i);
            stream->Pending = keep;
            stream->PendingLength = rest.Length;
            for (var start = 0; start < written; )
            {
                var end = Math.Min(written, start + PluginOutput.PieceLength);
                if (end < written && char.IsHighSurrogate(chars[end - 1]))
                    end--;   // a pair stays in one piece
                binding.Write(stream->IsError != 0, new string(chars, start, end - start));
                start = end;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            if (joined is not null)
                ArrayPool<byte>.Shared.Return(joined);
        }
    }
}
