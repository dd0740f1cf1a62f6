namespace PluginHost.Interpreter.Native;

/// <summary>
/// Where a <c>PyThreadState</c> keeps the OS thread identifier that <c>PyThreadState_SetAsyncExc</c> matches on
/// (<c>thread_id</c>): CPython exports no getter for it, and the struct (cpython/pystate.h) is laid out per minor
/// version (fixed within one). Offsets measured with <c>offsetof</c> against each version's headers (LP64).
/// Checked against the owner thread's own state before use (<see cref="Verify"/>); an unknown version has none, and
/// then the interpreter's other threads cannot be told to stop (they are waited for, then left).
/// </summary>
internal static unsafe class ThreadStateLayout
{
    /// <summary>The offset of <c>thread_id</c> for CPython <paramref name="sysVersion"/>, or null when not known.</summary>
    public static int? ThreadIdOffset(string sysVersion) => KnownIssues.ParseVersion(sysVersion) switch
    {
        { Major: 3, Minor: 12 } => 136,
        { Major: 3, Minor: 13 } => 152,
        _ => null,
    };

    /// <summary>The thread identifier recorded in <paramref name="tstate"/> (0 before its thread started).</summary>
    public static nuint ThreadId(nint tstate, int offset) => *(nuint*)(tstate + offset);

    /// <summary>True when <paramref name="offset"/> reads <paramref name="ownIdent"/> from the caller's own thread state.</summary>
    public static bool Verify(nint ownState, nuint ownIdent, int? offset) =>
        offset is { } o && ThreadId(ownState, o) == ownIdent;
}
