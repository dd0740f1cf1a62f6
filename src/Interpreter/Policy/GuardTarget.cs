namespace PluginHost.Interpreter.Policy;

/// <summary>How a guarded C function is judged.</summary>
internal enum GuardKind
{
    /// <summary>As the event <see cref="GuardTarget.Event"/> of kind <see cref="GuardTarget.Rule"/>, with the selected arguments.</summary>
    Event,

    /// <summary>As <see cref="GuardedFunctions"/> describes the function: (name, the call's arguments as text).</summary>
    Function,

    /// <summary><c>os.open</c>: no decision of its own; it hands its <c>dir_fd</c> to the "open" event it raises.</summary>
    OpenAt,

    /// <summary>No decision: only what the function returns is noted (<see cref="GuardTarget.After"/>).</summary>
    Observe,
}

/// <summary>What a guard notes about its call: from its result once it returned, or, for closes, just before.</summary>
internal enum GuardAfter
{
    Nothing,

    /// <summary>The result is the pid of a child process the interpreter started: it may wait for it.</summary>
    RecordChild,

    /// <summary>The result is (pid, status, ...) of a child reaped: the pid is no longer the interpreter's.</summary>
    ForgetChild,

    /// <summary>The result is a descriptor the interpreter made, or a tuple holding some (ints, or objects with fileno()).</summary>
    RecordDescriptors,

    /// <summary><c>fcntl(fd, F_DUPFD[_CLOEXEC], n)</c>: the result is a new descriptor; other commands' results are not.</summary>
    RecordDuplicate,

    /// <summary>The descriptor in the first argument is being closed (forgotten before the call, see Guard.Proceed).</summary>
    ForgetDescriptor,

    /// <summary>The descriptors of the range in the first two arguments are being closed (likewise).</summary>
    ForgetRange,
}

/// <summary>
/// One argument of a guarded call: by position, or by keyword when the caller named it; or <see cref="Self"/> (the
/// object a method was called on), or <see cref="AllKeywords"/> (the keyword arguments, as a dict).
/// </summary>
internal readonly record struct GuardArgument(int Position, string? Keyword)
{
    internal static GuardArgument Self { get; } = new(-2, null);

    internal static GuardArgument AllKeywords { get; } = new(-3, null);
}

/// <summary>
/// A C function of CPython's that raises no audit event, in the static method table of libpython or of a standard
/// extension module: <paramref name="Module"/> and <paramref name="Function"/> (<c>Type.method</c> for a method)
/// locate it in the main interpreter. <paramref name="OnlyWhenSet"/>: judged only when that argument is given and not
/// None (<c>locale.setlocale(category)</c> only reads).
/// </summary>
internal sealed record GuardTarget(
    string Module,
    string Function,
    GuardKind Kind,
    string Event,
    AuditEvent Rule,
    GuardArgument[] Arguments,
    GuardArgument? OnlyWhenSet = null,
    GuardAfter After = GuardAfter.Nothing);
