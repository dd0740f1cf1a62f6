using System.Text;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// An exception's traceback laid out as <c>traceback.format_exception</c> does (chained causes and contexts, repeated
/// frames folded, notes, a SyntaxError's line), read from the exception, traceback, frame and code objects themselves.
/// No Python code of the interpreter runs for it: the plugin's own <c>traceback</c>, <c>linecache</c> or builtins may be
/// replaced or broken, and formatting used to recurse through them until the host's stack overflowed. Every read is
/// quiet (<see cref="Interop.QuietAttr"/>): what cannot be read is left out, never raised.
/// </summary>
internal sealed class TracebackText
{
    private const int RecursiveCutoff = 3;    // as traceback._RECURSIVE_CUTOFF
    private const int MaxChain = 64;
    private const int MaxFrames = 10_000;
    private const int MaxNotes = 100;
    private const long MaxSourceBytes = 16 * 1024 * 1024;

    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, string[]?> _sources = [];
    private long _dropped;

    private TracebackText()
    {
    }

    /// <summary>The traceback text of <paramref name="exc"/>, at most <see cref="PythonException.MaxTextLength"/> characters and a marker.</summary>
    internal static string Format(nint exc)
    {
        var formatter = new TracebackText();
        formatter.Chain(exc);
        var text = formatter._text.ToString();
        return formatter._dropped == 0 ? text : PluginOutput.Marker(text, formatter._dropped, PythonException.MaxTextLength);
    }

    /// <summary>The line an exception ends with: its type, and its message when there is one.</summary>
    internal static string LastLine(string type, string message) => message.Length == 0 ? type : $"{type}: {message}";

    /// <summary>str(exc), cut at <see cref="PythonException.MaxTextLength"/> with a marker; null when str() fails.</summary>
    internal static string? Message(nint exc)
    {
        var head = Interop.QuietStr(exc, PythonException.MaxTextLength, out var dropped);
        return head is null || dropped == 0 ? head : PluginOutput.Marker(head, dropped, PythonException.MaxTextLength);
    }

    // The oldest exception of the chain first, each followed by the sentence that links it to the next, as Python does.
    private void Chain(nint exc)
    {
        var chain = new List<(nint Exc, string? Link)>();
        var seen = new HashSet<nint>();
        var held = new List<nint>();
        try
        {
            var current = exc;
            string? link = null;
            while (current != 0 && chain.Count < MaxChain && seen.Add(current))
            {
                chain.Add((current, link));
                nint cause = Interop.QuietCause(current).Steal();
                nint context = cause == 0 && !Suppressed(current) ? Interop.QuietContext(current).Steal() : 0;
                if (cause != 0)
                    held.Add(cause);
                if (context != 0)
                    held.Add(context);
                (current, link) = cause != 0
                    ? (cause, "The above exception was the direct cause of the following exception:")
                    : (context, "During handling of the above exception, another exception occurred:");
            }
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                One(chain[i].Exc);
                if (chain[i].Link is { } sentence)
                    Append($"{Environment.NewLine}{sentence}{Environment.NewLine}{Environment.NewLine}");
            }
        }
        finally
        {
            foreach (var o in held)
                Interop.DecRef(o);
        }
    }

    private static bool Suppressed(nint exc)
    {
        using var suppress = Interop.QuietAttr(exc, "__suppress_context__");
        return !suppress.IsNull && Interop.QuietIsTrue(suppress.Pointer);
    }

    private void One(nint exc)
    {
        using (var tb = Interop.QuietTraceback(exc))
        {
            if (!tb.IsNull)
            {
                Append($"Traceback (most recent call last):{Environment.NewLine}");
                Frames(tb.Pointer);
            }
        }
        var type = Interop.QuietTypeName(Interop.TypeOf(exc)) ?? "<unknown type>";
        if (IsSyntaxError(exc))
        {
            SyntaxErrorLines(exc, type);
        }
        else
        {
            Append(LastLine(type, Message(exc) ?? "<exception str() failed>"));
            Append(Environment.NewLine);
        }
        Notes(exc);
    }

    private void Frames(nint firstTb)
    {
        (string File, long Line, string Name) last = default;
        var repeats = 0;
        var tb = firstTb;
        Interop.IncRef(tb);
        for (var n = 0; tb != 0 && n < MaxFrames; n++)
        {
            var frame = FrameOf(tb);
            if (frame == last)
            {
                repeats++;
            }
            else
            {
                Repeated(repeats);
                last = frame;
                repeats = 1;
            }
            if (repeats <= RecursiveCutoff)
                Frame(frame.File, frame.Line, frame.Name);
            nint next = Interop.QuietAttr(tb, "tb_next").Steal();
            Interop.DecRef(tb);
            tb = next == LibPython.NoneObject ? Release(next) : next;
        }
        if (tb != 0)
            Interop.DecRef(tb);
        Repeated(repeats);
    }

    private static nint Release(nint o)
    {
        Interop.DecRef(o);
        return 0;
    }

    private void Repeated(int repeats)
    {
        if (repeats > RecursiveCutoff)
        {
            var more = repeats - RecursiveCutoff;
            Append($"  [Previous line repeated {more} more time{(more == 1 ? "" : "s")}]{Environment.NewLine}");
        }
    }

    private static (string File, long Line, string Name) FrameOf(nint tb)
    {
        var line = Interop.QuietLongAttr(tb, "tb_lineno") ?? -1;
        using var frame = Interop.QuietAttr(tb, "tb_frame");
        using var code = frame.IsNull ? default : Interop.QuietAttr(frame.Pointer, "f_code");
        if (code.IsNull)
            return ("<unknown>", line, "<unknown>");
        return (Interop.QuietStringAttr(code.Pointer, "co_filename", 4096) ?? "<unknown>", line,
            Interop.QuietStringAttr(code.Pointer, "co_name", 4096) ?? "<unknown>");
    }

    private void Frame(string file, long line, string name)
    {
        Append(line >= 0
            ? $"  File \"{file}\", line {line}, in {name}{Environment.NewLine}"
            : $"  File \"{file}\", in {name}{Environment.NewLine}");
        if (SourceLine(file, line) is { Length: > 0 } source)
            Append($"    {source}{Environment.NewLine}");
    }

    private static bool IsSyntaxError(nint exc)
    {
        unsafe
        {
            var syntaxError = *(nint*)LibPython.Export("PyExc_SyntaxError");
            var type = Interop.TypeOf(exc);
            return type == syntaxError || Interop.IsSubtype(type, syntaxError);
        }
    }

    // As traceback does: where the parser stopped, the offending line and a caret under the offset.
    private void SyntaxErrorLines(nint exc, string type)
    {
        var file = Interop.QuietStringAttr(exc, "filename", 4096);
        var line = Interop.QuietLongAttr(exc, "lineno");
        if (file is not null || line is not null)
            Append($"  File \"{file ?? "<string>"}\", line {line?.ToString() ?? "?"}{Environment.NewLine}");
        var text = Interop.QuietStringAttr(exc, "text", 4096)?.TrimEnd('\n', '\r');
        if (text is { Length: > 0 })
        {
            var trimmed = text.TrimStart();
            Append($"    {trimmed}{Environment.NewLine}");
            if (Interop.QuietLongAttr(exc, "offset") is { } offset and > 0)
            {
                var column = Math.Clamp(offset - 1 - (text.Length - trimmed.Length), 0, trimmed.Length);
                Append($"    {new string(' ', (int)column)}^{Environment.NewLine}");
            }
        }
        var message = Interop.QuietStringAttr(exc, "msg", PythonException.MaxTextLength) ?? Message(exc) ?? "<exception str() failed>";
        Append(LastLine(type, message));
        Append(Environment.NewLine);
    }

    private void Notes(nint exc)
    {
        using var notes = Interop.QuietAttr(exc, "__notes__");
        if (notes.IsNull)
            return;
        foreach (var note in Interop.QuietStringList(notes.Pointer, MaxNotes))
            Append(note + Environment.NewLine);
    }

    /// <summary>
    /// Line <paramref name="line"/> of a Python source file, read by the host: only files named *.py (no log line shows
    /// a secret file a plugin names as its code's file name), whole lines up to a size, stripped as traceback does.
    /// </summary>
    private string? SourceLine(string file, long line)
    {
        if (line <= 0 || !file.EndsWith(".py", StringComparison.Ordinal) || !Path.IsPathRooted(file))
            return null;
        if (!_sources.TryGetValue(file, out var lines))
        {
            _sources[file] = lines = ReadSource(file);
        }
        return lines is not null && line <= lines.Length ? lines[line - 1].Trim() : null;
    }

    // Only a file whose size stat reports (FIFOs, devices and /proc files report 0: opening or reading them could block
    // or never end), and no more than that size, read while the error is being described.
    private static string[]? ReadSource(string file)
    {
        try
        {
            FileSystemInfo info = new FileInfo(file);
            if (info.LinkTarget is not null)
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;   // a link's own size is its target's name
            if (info is not FileInfo { Exists: true, Length: > 0 and <= MaxSourceBytes } regular)
                return null;
            var bytes = new byte[regular.Length];
            using (var stream = new FileStream(regular.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                bytes = bytes[..stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
            return Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF').Split('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private void Append(string text)
    {
        var room = PythonException.MaxTextLength - _text.Length;
        if (text.Length <= room)
        {
            _text.Append(text);
            return;
        }
        _text.Append(text, 0, Math.Max(0, room));
        _dropped += text.Length - Math.Max(0, room);
    }
}
