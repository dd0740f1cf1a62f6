using System.Buffers;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// What the sender's <c>json.dumps</c> can write but a receiver's <c>json.loads</c>, with CPython's default settings,
/// cannot read. Only one thing: an integer of more than 4300 digits, which a sender that raised or turned off its own
/// <c>sys.int_max_str_digits</c> encodes fine. (NaN and infinities are refused by the encoder itself, lone surrogates
/// have no UTF-8 form, and nesting is bounded by the same fixed C recursion limit in encoder and decoder.)
/// </summary>
internal static class JsonReceiverLimits
{
    /// <summary>CPython's default <c>sys.int_max_str_digits</c> (<c>_PY_LONG_DEFAULT_MAX_STR_DIGITS</c>, 3.12 and 3.13).</summary>
    internal const int MaxIntegerDigits = 4300;

    private static readonly SearchValues<byte> QuoteOrDigit = SearchValues.Create("\"0123456789"u8);
    private static readonly SearchValues<byte> QuoteOrBackslash = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> NumberPart = SearchValues.Create("0123456789.eE+-"u8);

    /// <summary>
    /// The digits of the first integer in <paramref name="json"/> (as <c>json.dumps</c> wrote it) that is longer than
    /// <see cref="MaxIntegerDigits"/>, or 0 when there is none. Shorter text cannot hold one and is not read at all,
    /// so the common small message pays nothing; longer text is scanned once, vectorised.
    /// </summary>
    internal static int OversizedInteger(ReadOnlySpan<byte> json)
    {
        if (json.Length <= MaxIntegerDigits)
            return 0;
        var i = 0;
        while (i < json.Length)
        {
            var next = json[i..].IndexOfAny(QuoteOrDigit);
            if (next < 0)
                return 0;
            i += next;
            if (json[i] == '"')
            {
                i = AfterString(json, i + 1);
                continue;
            }
            var digits = json[i..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            var end = digits < 0 ? json.Length : i + digits;
            if (end < json.Length && json[end] is (byte)'.' or (byte)'e' or (byte)'E')
            {
                // A float: json.loads reads it with float(), which has no digit limit.
                var rest = json[end..].IndexOfAnyExcept(NumberPart);
                i = rest < 0 ? json.Length : end + rest;
                continue;
            }
            if (end - i > MaxIntegerDigits)
                return end - i;
            i = end;
        }
        return 0;
    }

    /// <summary>The index after the string whose content starts at <paramref name="i"/>; the length when it does not end.</summary>
    private static int AfterString(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length)
        {
            var next = json[i..].IndexOfAny(QuoteOrBackslash);
            if (next < 0)
                return json.Length;
            i += next;
            if (json[i] == '"')
                return i + 1;
            i += 2;   // an escape: the backslash and the character it escapes
        }
        return json.Length;
    }
}
