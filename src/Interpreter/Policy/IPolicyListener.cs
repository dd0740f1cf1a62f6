namespace PluginHost.Interpreter.Policy;

/// <summary>
/// One decision of an interpreter's policy about a facility: what was attempted (<paramref name="Facility"/>, e.g.
/// <c>os.chdir</c>), in more detail (<paramref name="Detail"/>, e.g. the path), the capability that governs it
/// (<paramref name="Capability"/>, as a manifest would name it; empty when no capability can allow it) and, for a
/// denial, the message the plugin's <c>PermissionError</c> carries.
/// </summary>
public readonly record struct PolicyDecision(string Facility, string Capability, string Detail, string Message);

/// <summary>
/// Told about an interpreter's policy decisions. Called by the audit hook on the interpreter's own thread with its GIL
/// held, in the middle of the plugin's call: implementations must be quick, must not block and must not throw
/// (an exception is swallowed; the decision stands).
/// </summary>
public interface IPolicyListener
{
    /// <summary>A call was refused with <c>PermissionError</c>.</summary>
    void Denied(in PolicyDecision decision);

    /// <summary>A call was allowed by a granted capability; only when <see cref="InterpreterPolicy.ReportAllowed"/> is set.</summary>
    void Allowed(in PolicyDecision decision);
}
