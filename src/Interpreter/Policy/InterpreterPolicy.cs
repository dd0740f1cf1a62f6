namespace PluginHost.Interpreter.Policy;

/// <summary>
/// What code in one subinterpreter may do to the process it shares with every other interpreter. Given when the
/// interpreter is created, it is registered under the interpreter's id before any of its code runs and stays the same
/// for the interpreter's life (an immutable snapshot: the audit hook reads it without locks). Interpreters created
/// without a policy, and the main interpreter, are not restricted.
/// </summary>
public sealed record InterpreterPolicy
{
    /// <summary>Who the interpreter runs, for messages: <c>plugin 'echo'</c>.</summary>
    public required string Owner { get; init; }

    /// <summary>Capabilities granted without restriction.</summary>
    public Capability Granted { get; init; }

    /// <summary>Directories (and everything under them) the interpreter may read: <c>filesystem.read:&lt;dir&gt;</c>.</summary>
    public IReadOnlyList<string> ReadPaths { get; init; } = [];

    /// <summary>Directories (and everything under them) the interpreter may create, change, delete and read: <c>filesystem.write:&lt;dir&gt;</c>.</summary>
    public IReadOnlyList<string> WritePaths { get; init; } = [];

    /// <summary>The owner's own folder: always readable.</summary>
    public string? Home { get; init; }

    /// <summary>
    /// Appended to a denial message to say where a capability is granted, with <c>{0}</c> standing for its name, e.g.
    /// <c>add "{0}" to "capabilities" in plugin.json</c>. Without it the message says which capability is missing.
    /// </summary>
    public string? GrantHint { get; init; }

    /// <summary>Told about every denial (and, with <see cref="ReportAllowed"/>, every use of a granted capability).</summary>
    public IPolicyListener? Listener { get; init; }

    /// <summary>Also report calls a granted capability allowed (for <c>pluginhost check</c>; costs a call per event).</summary>
    public bool ReportAllowed { get; init; }

    /// <summary>Whether <paramref name="capability"/> is granted without restriction.</summary>
    /// <summary>
    /// Single-phase-init extension modules may load (they are refused otherwise: their C statics would be shared with
    /// every other interpreter of the process). Only for the one interpreter of a process that runs it in its main
    /// interpreter: a worker in process isolation.
    /// </summary>
    public bool AllowSinglePhaseModules { get; init; }

    public bool Grants(Capability capability) => (Granted & capability) == capability;
}
