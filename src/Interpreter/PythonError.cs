namespace PluginHost.Interpreter;

/// <summary>The Python exception classes the <c>pluginhost</c> module raises on purpose.</summary>
internal enum PyErrorKind
{
    TypeError,
    ValueError,
    KeyError,
    PermissionError,
    TimeoutError,
    RuntimeError,
}

/// <summary>
/// An error the <c>pluginhost</c> module means to raise in Python: a kind and a message, thrown in module code and
/// raised as that class by the firewall (<see cref="Modules.Firewall"/>). It is the only way module code chooses a
/// Python exception class. Any other .NET exception that reaches a callback is a bug in PluginHost and is raised as
/// SystemError naming its .NET type, so it never passes for a user error (an internal <see cref="ArgumentException"/>
/// is not a ValueError).
/// </summary>
internal sealed class PythonError(PyErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public PyErrorKind Kind { get; } = kind;

    internal static PythonError Type(string message) => new(PyErrorKind.TypeError, message);

    internal static PythonError Value(string message) => new(PyErrorKind.ValueError, message);

    internal static PythonError Runtime(string message) => new(PyErrorKind.RuntimeError, message);

    /// <summary>
    /// What an exception of the host (an <see cref="Modules.IPluginBinding"/> call or the task it returned) means in
    /// Python, as that interface documents its exceptions: an invalid argument or message is a ValueError, a refused
    /// call a PermissionError, a missing host function a KeyError, a timeout a TimeoutError; anything else the host
    /// throws (a refused delivery, a closed inbox) a RuntimeError. Only for exceptions that crossed that boundary.
    /// </summary>
    internal static PythonError FromHost(Exception e) => e switch
    {
        PythonError own => own,
        ArgumentException => new(PyErrorKind.ValueError, e.Message, e),
        UnauthorizedAccessException => new(PyErrorKind.PermissionError, e.Message, e),
        KeyNotFoundException => new(PyErrorKind.KeyError, e.Message, e),
        TimeoutException => new(PyErrorKind.TimeoutError, e.Message, e),
        _ => new(PyErrorKind.RuntimeError, e.Message, e),
    };
}
