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
    /// <see cref="PooledPayload"/> holding one reference for the caller, who releases it once the message is sent;
    /// with a <paramref name="lender"/> too, a large exact <c>bytes</c> is not copied at all but lent
    /// (<see cref="SenderBytes"/>, the same one reference for the caller): its receivers copy it once each.
    /// A value of a type that cannot be sent is a <see cref="PythonError"/> TypeError; one that
    /// a receiver with CPython's default settings could not decode (see <see cref="JsonReceiverLimits"/>), or that has
    /// no JSON or UTF-8 form, a ValueError saying why. Nothing is copied then.
    /// </summary>
    internal static (ReadOnlyMemory<byte> Payload, string ContentType) Encode(ModuleState* state, BorrowedRef value, PayloadPool? pool = null, PayloadReleases? lender = null)
    {
        var p = value.Pointer;
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            return (Copy(Interop.Utf8Span(value, "the str payload"), pool), ContentTypes.Text);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
        {
            var data = Interop.BytesSpan(value);
            if (lender is not null && data.Length >= PayloadPool.MinimumSize && SenderBytes.IsExactBytes(value))
                return (SenderBytes.Lend(value, lender).Memory, ContentTypes.Bytes);
            return (Copy(data, pool), ContentTypes.Bytes);
        }
        if (Interop.SupportsBuffer(value))
        {
            using var view = Interop.GetBuffer(value);
            return (Copy(view.Span, pool), ContentTypes.Bytes);
        }
        using var json = EncodeJson(state, value);
        var utf8 = Interop.Utf8Span(json.Borrow(), "a str in the payload");
        if (JsonReceiverLimits.OversizedInteger(utf8) is > 0 and var digits)
        {
            throw PythonError.Value(
                $"the payload holds an integer of {digits} digits, which a receiver could not decode: json there reads at most {JsonReceiverLimits.MaxIntegerDigits} (CPython's default sys.int_max_str_digits); send it as a str");
        }
        return (Copy(utf8, pool), ContentTypes.Json);
    }

    private static NewRef EncodeJson(ModuleState* state, BorrowedRef value)
    {
        try
        {
            return Interop.CallOne(new BorrowedRef(state->JsonDumps), value);
        }
        catch (PythonException e) when (e.PythonType is "TypeError")
        {
            throw PythonError.Type(
                $"payload of type '{Interop.TypeName(Interop.TypeOf(value.Pointer))}' cannot be sent: use bytes, str, or a JSON value (dict, list, str, int, float, bool, None) ({e.PythonMessage})");
        }
        catch (PythonException e) when (e.PythonType is "ValueError" or "RecursionError")
        {
            // NaN or infinity, a cycle, nesting past CPython's fixed C recursion limit, an int past the sender's own digit limit.
            throw PythonError.Value($"the payload cannot be sent as JSON: {e.PythonMessage}");
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

    /// <summary>
    /// Why <paramref name="message"/>'s payload did not decode, naming its sender: a payload that does not decode is
    /// the sender's fault, never the receiving handler's.
    /// </summary>
    internal static string Undecodable(Message message, PythonException error) =>
        $"the payload from '{(string.IsNullOrEmpty(message.Sender) ? "(no sender)" : message.Sender)}' does not decode as {message.ContentType}: {error.Message}";
}
