namespace PluginHost.Interpreter.Locating;

/// <summary>No usable CPython (3.12 or newer, shared library) was found. The message lists every place tried and how to fix it.</summary>
public sealed class PythonNotFoundException : Exception
{
    public PythonNotFoundException(string message, IReadOnlyList<string> attempts) : base(message) => Attempts = attempts;

    /// <summary>One line per candidate looked at, with why it was not taken.</summary>
    public IReadOnlyList<string> Attempts { get; }
}
