namespace PluginHost.Interpreter.Modules;

/// <summary>The parts of a W3C <c>traceparent</c> (<c>00-&lt;32 hex trace id&gt;-&lt;16 hex span id&gt;-&lt;flags&gt;</c>) Python code sees.</summary>
internal static class TraceIds
{
    /// <summary>The trace id (or, with <paramref name="trace"/> false, the span id) of <paramref name="traceParent"/>; null when it is malformed.</summary>
    internal static string? Part(string? traceParent, bool trace)
    {
        // A header is a sender's text: only the exact W3C shape is read, anything else is "no trace".
        if (traceParent is not { Length: >= 55 } || traceParent[2] != '-' || traceParent[35] != '-' || traceParent[52] != '-')
            return null;
        var traceId = traceParent.AsSpan(3, 32);
        var spanId = traceParent.AsSpan(36, 16);
        if (!Valid(traceId) || !Valid(spanId))
            return null;
        return (trace ? traceId : spanId).ToString();
    }

    // Lowercase hex, not all zeros (W3C: an invalid id).
    private static bool Valid(ReadOnlySpan<char> id) => !id.ContainsAnyExcept("0123456789abcdef") && id.ContainsAnyExcept('0');
}
