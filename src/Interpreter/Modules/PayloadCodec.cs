using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// Payloads between Python and a <see cref="Message"/>: bytes-like values pass through with one copy, str travels as
/// UTF-8 text, other JSON-compatible values are encoded once by the sender's <c>json</c> and decoded by the receiver's.
/// </summary>
internal static unsafe class PayloadCodec
{
    /// <summary>
    /// Copies <paramref name="value"/> out of Python. With a <paramref name="pool"/>, a large payload lands in a
    /// <see cref="PooledPayload"/> holding one reference for the caller, who releases it once the message is sent.
    /// </summary>
    internal static (ReadOnlyMemory<byte> Payload, string ContentType) Encode(ModuleState* state, BorrowedRef value, PayloadPool? pool = null)
    {
        var p = value.Pointer;
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            return (Copy(Interop.Utf8Span(value), pool), ContentTypes.Text);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
            return (Copy(Interop.BytesSpan(value), pool), ContentTypes.Bytes);
        if (Interop.SupportsBuffer(value))
        {
            using var view = Interop.GetBuffer(value);
            return (Copy(view.Span, pool), ContentTypes.Bytes);
        }
        try
        {
            using var json = Interop.CallOne(new BorrowedRef(state->JsonDumps), value);
            return (Copy(Interop.Utf8Span(json.Borrow()), pool), ContentTypes.Json);
        }
        catch (PythonException e) when (e.PythonType is "TypeError" or "ValueError" or "RecursionError")
        {
            throw new InvalidCastException(
                $"payload of type '{Interop.TypeName(Interop.TypeOf(p))}' cannot be sent: use bytes, str, or a JSON value (dict, list, str, int, float, bool, None) ({e.PythonMessage})");
        }
    }

    /// <summary>The one copy a payload makes on its way out; the buffer is not zeroed first (it is overwritten whole).</summary>
    private static ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> source, PayloadPool? pool)
    {
        if (pool is not null && source.Length >= PayloadPool.MinimumSize)
        {
            var pooled = pool.Rent(source.Length);
            source.CopyTo(pooled.Buffer);
            return pooled.Memory;
        }
        var copy = GC.AllocateUninitializedArray<byte>(source.Length);
        source.CopyTo(copy);
        return copy;
    }

    internal static NewRef Decode(ModuleState* state, Message message) => Decode(state, message.Payload.Span, message.ContentType);

    internal static NewRef Decode(ModuleState* state, ReadOnlySpan<byte> payload, string contentType)
    {
        switch (contentType)
        {
            case ContentTypes.Text:
                return Interop.NewStringFromUtf8(payload);
            case ContentTypes.Json:
                using (var bytes = Interop.NewBytes(payload))
                    return Interop.CallOne(new BorrowedRef(state->JsonLoads), bytes.Borrow());
            default:
                return Interop.NewBytes(payload);
        }
    }
}
