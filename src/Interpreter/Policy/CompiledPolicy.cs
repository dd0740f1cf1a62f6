namespace PluginHost.Interpreter.Policy;

/// <summary>
/// One interpreter's policy with its directories resolved to UTF-8 prefixes, ready for the hook: what may be read and
/// written at all, which of that a capability granted (reported by <c>pluginhost check</c>), and the little state the
/// rules carry from one event to the next. That state is the interpreter's own and is read and written only with its
/// GIL held (the hook and the guards run inside its calls), so it needs no lock; it is kept per calling thread because
/// the interpreter's Python threads take turns between the two events.
/// </summary>
internal sealed unsafe class CompiledPolicy(
    PolicyRegistry registry,
    InterpreterPolicy policy,
    byte[][] readable,
    byte[][] writable,
    byte[][] grantedReadable,
    byte[][] grantedWritable)
{
    // Resolved paths are written here rather than on the stack, so a rule can hand one to the next step.
    private readonly byte[] _pathBuffer = GC.AllocateArray<byte>(PathRules.PathMax, pinned: true);
    private (int Thread, nint Path, int DirFd) _openAt;
    private (int Thread, string Path)? _bytecode;
    private int _codeReplacement;
    private readonly HashSet<long> _children = [];

    public PolicyRegistry Registry => registry;

    public InterpreterPolicy Policy => policy;

    public byte[][] Readable => readable;

    public byte[][] Writable => writable;

    public byte[][] GrantedReadable => grantedReadable;

    public byte[][] GrantedWritable => grantedWritable;

    public byte* PathBuffer => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _pathBuffer[0]);

    /// <summary>
    /// The os.open guard's note for the "open" event os.open raises next: CPython's event carries the path but not
    /// <c>dir_fd</c>, so the guard leaves it here for that one event, for the same path object on the same thread.
    /// </summary>
    public void NoteDirFd(nint path, int dirFd) => _openAt = (Environment.CurrentManagedThreadId, path, dirFd);

    /// <summary>After a guarded call: what it expected of the events it raises ends with it (raised or not).</summary>
    public void ClearExpectations()
    {
        _openAt = default;
        _codeReplacement = 0;
    }

    public int TakeDirFd(nint path)
    {
        var (thread, noted, dirFd) = _openAt;
        if (noted == 0 || noted != path || thread != Environment.CurrentManagedThreadId)
            return -1;
        _openAt = default;
        return dirFd;
    }

    /// <summary>A harmless code.replace was allowed; the "code.__new__" event it raises next on this thread is its own.</summary>
    public void ExpectCodeReplacement() => _codeReplacement = Environment.CurrentManagedThreadId;

    public bool TakeCodeReplacement()
    {
        var expected = _codeReplacement == Environment.CurrentManagedThreadId;
        _codeReplacement = 0;
        return expected;
    }

    /// <summary>A child process this interpreter started (os.posix_spawn, subprocess): one it may wait for.</summary>
    public void AddChild(long pid) => _children.Add(pid);

    public bool IsChild(long pid) => _children.Contains(pid);

    /// <summary>A child reaped: its pid may be reused by anyone's next child.</summary>
    public void ForgetChild(long pid) => _children.Remove(pid);

    /// <summary>The import system opened a bytecode cache of the standard library; its marshal.loads may follow.</summary>
    public void ExpectBytecode(string path) => _bytecode = (Environment.CurrentManagedThreadId, path);

    public string? TakeExpectedBytecode()
    {
        var expected = _bytecode;
        _bytecode = null;
        return expected is { } e && e.Thread == Environment.CurrentManagedThreadId ? e.Path : null;
    }
}
