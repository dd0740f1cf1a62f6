using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// Turns a .NET exception caught in an <c>[UnmanagedCallersOnly]</c> callback into a Python exception and the C
/// API's error return. No .NET exception may unwind through CPython's frames: that kills the process.
/// </summary>
internal static class Firewall
{
    internal static nint Null(Exception e)
    {
        Raise(e);
        return 0;
    }

    /// <summary>Raises <paramref name="pythonType"/> (a borrowed exception class) with the exception's message.</summary>
    internal static nint Null(Exception e, nint pythonType)
    {
        Raise(pythonType, e.Message);
        return 0;
    }

    internal static int MinusOne(Exception e)
    {
        Raise(e);
        return -1;
    }

    /// <summary>
    /// The Python exception type (borrowed, immortal) a .NET exception becomes: a <see cref="PythonError"/> its kind;
    /// a <see cref="PythonException"/> (a Python error a C-API call met) RuntimeError; anything else is a bug in
    /// PluginHost, SystemError (see <see cref="MessageOf"/>).
    /// </summary>
    internal static nint PythonTypeOf(Exception e) => e switch
    {
        PythonError { Kind: var kind } => kind switch
        {
            PyErrorKind.TypeError => LibPython.TypeErrorType,
            PyErrorKind.ValueError => LibPython.ValueErrorType,
            PyErrorKind.KeyError => LibPython.KeyErrorType,
            PyErrorKind.PermissionError => LibPython.PermissionErrorType,
            PyErrorKind.TimeoutError => LibPython.TimeoutErrorType,
            _ => LibPython.RuntimeErrorType,
        },
        PythonException => LibPython.RuntimeErrorType,
        _ => LibPython.SystemErrorType,
    };

    /// <summary>The message raised with it: an internal error names its .NET type, so a report says where to look.</summary>
    internal static string MessageOf(Exception e) => e is PythonError or PythonException
        ? e.Message
        : $"internal error in PluginHost ({e.GetType().FullName}): {e.Message}";

    internal static void Raise(Exception e) => Raise(PythonTypeOf(e), MessageOf(e));

    /// <summary>
    /// For a callback C gives no error return (dealloc, free, buffer release): the failure goes to the host's stderr,
    /// without touching Python (whose error indicator may hold an exception being propagated), and the callback returns.
    /// </summary>
    internal static void Unraisable(Exception e, string where)
    {
        try
        {
            Console.Error.WriteLine($"pluginhost: {where} failed and was skipped: {e.GetType().Name}: {e.Message}");
        }
        catch (Exception)
        {
            // Nowhere left to report it; returning is still better than unwinding into CPython.
        }
    }

    private static void Raise(nint pythonType, string message)
    {
        try
        {
            Interop.Raise(pythonType, message);
        }
        catch (Exception fatal)
        {
            Environment.FailFast("Could not turn a .NET exception into a Python exception", fatal);
        }
    }
}
