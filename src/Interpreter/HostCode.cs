using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// Python source of the host's own that many interpreters run (guards.py, the SDK's prelude, a plugin instance's
/// bootstrap): compiled by the first interpreter that runs it and kept marshalled — bytes that belong to no
/// interpreter — so every later one loads it in a few hundredths of a millisecond instead of compiling it again (1–2 ms for a few hundred
/// lines; at 1,024 instances, seconds of start). A policy's audit hook lets exactly these bytes become code
/// (<see cref="IsHostCode"/>): they are what the host compiled from its own source. Valid for the CPython that made them,
/// the one of this process.
/// </summary>
public sealed class HostCode(string source, string fileName)
{
    private static readonly Lock TrustGate = new();
    private static byte[][] s_trusted = [];
    private byte[]? _marshalled;

    public string Source => source;

    /// <summary>The marshalled code once an interpreter compiled it; null before.</summary>
    internal byte[]? Compiled => Volatile.Read(ref _marshalled);

    /// <summary>The name tracebacks show for this code's lines.</summary>
    public string FileName => fileName;

    /// <summary>Whether <paramref name="code"/> is marshalled code the host made from one of its own sources.</summary>
    internal static bool IsHostCode(ReadOnlySpan<byte> code)
    {
        foreach (var trusted in Volatile.Read(ref s_trusted))
        {
            if (trusted.Length == code.Length && code.SequenceEqual(trusted))
                return true;
        }
        return false;
    }

    /// <summary>Evaluates the code in <paramref name="globals"/>, compiling it first if no interpreter has. Attached only.</summary>
    internal void Run(BorrowedRef globals)
    {
        using var _ = Interop.EvaluateMarshalled(Marshalled(), globals);
    }

    private byte[] Marshalled()
    {
        if (Volatile.Read(ref _marshalled) is { } done)
            return done;
        var compiled = Interop.CompileMarshalled(source, fileName, Interop.Py_file_input);
        // Trusted before anyone can load it. Two interpreters compiling at once both add theirs; one of them is kept.
        lock (TrustGate)
            s_trusted = [.. s_trusted, compiled];
        return Interlocked.CompareExchange(ref _marshalled, compiled, null) ?? compiled;
    }
}
