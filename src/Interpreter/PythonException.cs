using System.Text;
using PluginHost.Interpreter.Modules;
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

    /// <summary>The text <c>traceback.format_exception</c> gives, ending with the type and message line.</summary>
    public string PythonTraceback { get; }

    public override string ToString() => $"{base.ToString()}{Environment.NewLine}--- Python traceback ---{Environment.NewLine}{PythonTraceback}";

    /// <summary>Takes the pending exception out of the error indicator of the attached interpreter.</summary>
    internal static PythonException FetchCurrent()
    {
        using var exc = new NewRef(Interop.PyErr_GetRaisedException());
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

    /// <summary>Describes <paramref name="exc"/>; formatting failures are swallowed into placeholders so the original error is never masked.</summary>
    internal static PythonException From(BorrowedRef exc)
    {
        var p = exc.Pointer;
        return new PythonException(
            Describe(p, o => QualifiedName(Interop.TypeOf(o)), "<unknown type>"),
            Describe(p, o => BoundedStr(new BorrowedRef(o)), "<unprintable>"),
            Describe(p, o => FormatTraceback(new BorrowedRef(o)), ""));
    }

    private static string BoundedStr(BorrowedRef o)
    {
        using var text = Interop.StrObject(o);
        var head = Interop.AsStringPrefix(text.Borrow(), MaxTextLength, out var dropped);
        return dropped == 0 ? head : PluginOutput.Marker(head, dropped, MaxTextLength);
    }

    private static string QualifiedName(nint type)
    {
        var name = Interop.TypeName(type);
        using var module = Interop.GetAttr(new BorrowedRef(type), "__module__");
        var moduleName = Interop.Str(module.Borrow());
        return moduleName == "builtins" ? name : $"{moduleName}.{name}";
    }

    // Unchecked calls with their errors cleared: a failure here (an import a policy denies, the recursion limit) must
    // not become another exception whose traceback is formatted the same way, without end.
    private static string FormatTraceback(BorrowedRef exc)
    {
        using var format = new NewRef(Interop.ImportAttributeOrNull("traceback", "format_exception"));
        if (format.IsNull)
            return "";
        using var lines = new NewRef(Interop.CallOneRaw(format.Pointer, exc.Pointer));
        if (lines.IsNull)
        {
            Interop.PyErr_Clear();
            return "";
        }
        return BoundedConcat(lines.Borrow());
    }

    /// <summary>The str items of <paramref name="lines"/> joined, of which at most <see cref="MaxTextLength"/> characters are copied out.</summary>
    private static string BoundedConcat(BorrowedRef lines)
    {
        var text = new StringBuilder();
        long dropped = 0;
        for (var i = 0; i < Interop.ListSize(lines); i++)
        {
            text.Append(Interop.AsStringPrefix(Interop.ListItem(lines, i), MaxTextLength - text.Length, out var rest));
            dropped += rest;
        }
        return dropped == 0 ? text.ToString() : PluginOutput.Marker(text.ToString(), dropped, MaxTextLength);
    }

    private static string Describe(nint exc, Func<nint, string> describe, string fallback)
    {
        try
        {
            return describe(exc);
        }
        catch (PythonException)
        {
            return fallback;
        }
    }
}
