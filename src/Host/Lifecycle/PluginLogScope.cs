using System.Collections;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// The structured fields of one record a plugin logged or printed, pushed as the logging scope around it: the JSON
/// console formatter writes them under <c>Scopes</c>, an OTLP log exporter as attributes. <c>Plugin</c> and
/// <c>Instance</c> tell <c>greeter/0</c> from <c>greeter/1</c>; <c>PythonLogger</c> and <c>PythonLevel</c> (the
/// record's own number, e.g. 25 for a custom level between INFO and WARNING) are null for print() output.
/// <c>TraceId</c> and <c>SpanId</c> are those of the handler run that logged it, when traced (docs/observability.md).
/// </summary>
internal sealed class PluginLogScope(string plugin, int instance, string? pythonLogger, int? pythonLevel, string stream,
    System.Diagnostics.ActivityContext trace) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 7;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Plugin", plugin),
        1 => new("Instance", instance),
        2 => new("PythonLogger", pythonLogger),
        3 => new("PythonLevel", pythonLevel),
        4 => new("Stream", stream),
        5 => new("TraceId", trace == default ? null : trace.TraceId.ToHexString()),
        6 => new("SpanId", trace == default ? null : trace.SpanId.ToHexString()),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // What the simple formatter prints with IncludeScopes ("=> greeter/1 app.db"), and the JSON formatter as "Message".
    public override string ToString() => pythonLogger is null ? $"{plugin}/{instance} {stream}" : $"{plugin}/{instance} {pythonLogger}";
}
