using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>A Python exception raised in an interpreter, carried to .NET with its type name, message and traceback.</summary>
public sealed class PythonException : Exception
{
    public PythonException(string pythonType, string pythonMessage, string traceback)
        : base(pythonMessage.Length == 0 ? pythonType : $"{pythonType}: {pythonMessage}")
    {
        PythonType = pythonType;
        PythonMessage = pythonMessage;
        PythonTraceback = traceback;
    }

    /// <summary>The exception's type, qualified by its module unless it is a builtin (e.g. <c>ValueError</c>, <c>json.decoder.JSONDecodeError</c>).</summary>
    public string PythonType { get; }

    /// <summary><c>str(exception)</c>.</summary>
    public string PythonMessage { get; }

    /// <summary>The traceback as <c>traceback.format_exception</c> lays it out, ending with the type and message line (see <see cref="TracebackText"/>).</summary>
    public string PythonTraceback { get; }

    public override string ToString() => $"{base.ToString()}{Environment.NewLine}--- Python traceback ---{Environment.NewLine}{PythonTraceback}";

    /// <summary>Takes the pending exception out of the error indicator of the attached interpreter.</summary>
    internal static PythonException FetchCurrent()
    {
        using var exc = Interop.FetchRaised();
        return exc.IsNull
            ? new PythonException("SystemError", "a C-API call failed without setting an exception", "")
            : From(exc.Borrow());
    }

    /// <summary>
    /// The most characters of an exception's message, and of its traceback, copied out of Python: code in an
    /// interpreter chooses what it raises, and one huge message must not become huge strings in the host's log,
    /// dead letters and replies. The rest is counted in a marker.
    /// </summary>
    internal const int MaxTextLength = 64 * 1024;

    /// <summary>
    /// Describes <paramref name="exc"/> without running the interpreter's own modules and without raising: what cannot
    /// be read becomes a placeholder, so the original error is never masked and describing it never recurses.
    /// </summary>
    internal static PythonException From(BorrowedRef exc)
    {
        var p = exc.Pointer;
        return new PythonException(
            Interop.QuietTypeName(Interop.TypeOf(p)) ?? "<unknown type>",
            TracebackText.Message(p) ?? "<unprintable>",
            TracebackText.Format(p));
    }
}
