using System.Text;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Assembles one of a plugin's output streams (stdout or stderr) into lines for the log, holding at most
/// <paramref name="limit"/> characters: a longer line keeps its first <paramref name="limit"/> characters and only
/// counts the rest, and is logged with a marker saying how many were dropped. So a 50 MB <c>print</c> without a
/// newline costs the host a bounded buffer, not 50 MB. Not thread-safe: the caller locks.
/// </summary>
internal sealed class OutputLines(int limit)
{
    private readonly StringBuilder _line = new();
    private long _dropped;

    /// <summary>Characters held for the line not yet ended: never more than the limit.</summary>
    public int Buffered => _line.Length;

    public bool IsEmpty => _line.Length == 0 && _dropped == 0;

    /// <summary>Adds <paramref name="text"/>; <paramref name="emit"/> gets each line it ends (without the newline or a final CR).</summary>
    public void Append(ReadOnlySpan<char> text, Action<string> emit)
    {
        while (true)
        {
            var newline = text.IndexOf('\n');
            Keep(newline < 0 ? text : text[..newline]);
            if (newline < 0)
                return;
            emit(Take());
            text = text[(newline + 1)..];
        }
    }

    /// <summary>The line held so far (with its marker when it was cut), and a fresh start.</summary>
    public string Take()
    {
        if (_line.Length > 0 && _line[^1] == '\r' && _dropped == 0)
            _line.Length--;
        var line = _dropped == 0 ? _line.ToString() : Interpreter.Contract.PluginOutput.Marker(_line.ToString(), _dropped, limit);
        _line.Clear();
        _dropped = 0;
        return line;
    }

    private void Keep(ReadOnlySpan<char> part)
    {
        var room = limit - _line.Length;
        if (part.Length <= room)
        {
            _line.Append(part);
            return;
        }
        // Never split a surrogate pair: the kept head stays valid text.
        if (room > 0 && char.IsHighSurrogate(part[room - 1]))
            room--;
        _line.Append(part[..room]);
        _dropped += part.Length - room;
    }
}
