using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// The .NET string of the topic an interpreter published to last. A publisher usually sends to one topic in a loop;
/// comparing its UTF-8 bytes (cached inside the Python str) with the last topic's saves decoding and allocating a
/// string per message. Used only under the interpreter's GIL, so it needs no lock.
/// </summary>
internal sealed class TopicCache
{
    private byte[] _utf8 = [];
    private string _text = "";

    public string Get(string function, nint topic)
    {
        if (!Interop.HasTypeFlag(topic, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            return FastCallArgs.String(function, "topic", topic);   // raises the TypeError
        var utf8 = Interop.Utf8Span(new BorrowedRef(topic));
        if (!utf8.SequenceEqual(_utf8))
        {
            _text = System.Text.Encoding.UTF8.GetString(utf8);
            _utf8 = utf8.ToArray();
        }
        return _text;
    }
}
