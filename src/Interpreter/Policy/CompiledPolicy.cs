using PluginHost.Interpreter.Native;
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
    private readonly Dictionary<int, Notes> _notes = [];
    private readonly HashSet<long> _children = [];
    private readonly Dictionary<int, (ulong Device, ulong Inode)> _descriptors = [];

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
    public void NoteDirFd(nint path, int dirFd) => Current().OpenAt = (path, dirFd);

    public int TakeDirFd(nint path)
    {
        if (!_notes.TryGetValue(Environment.CurrentManagedThreadId, out var notes) || notes.OpenAt.Path != path || path == 0)
            return -1;
        var dirFd = notes.OpenAt.DirFd;
        notes.OpenAt = default;
        return dirFd;
    }

    /// <summary>After a guarded call: what it expected of the events it raised on this thread ends with it (raised or not).</summary>
    public void ClearExpectations()
    {
        if (_notes.TryGetValue(Environment.CurrentManagedThreadId, out var notes))
        {
            notes.OpenAt = default;
            notes.CodeReplacement = false;
            Drop(notes);
        }
    }

    /// <summary>A harmless code.replace was allowed; the "code.__new__" event it raises next on this thread is its own.</summary>
    public void ExpectCodeReplacement() => Current().CodeReplacement = true;

    public bool TakeCodeReplacement()
    {
        if (!_notes.TryGetValue(Environment.CurrentManagedThreadId, out var notes) || !notes.CodeReplacement)
            return false;
        notes.CodeReplacement = false;
        Drop(notes);
        return true;
    }

    /// <summary>A child process this interpreter started (os.posix_spawn, subprocess): one it may wait for.</summary>
    public void AddChild(long pid) => _children.Add(pid);

    public bool IsChild(long pid) => _children.Contains(pid);

    /// <summary>A child reaped: its pid may be reused by anyone's next child.</summary>
    public void ForgetChild(long pid) => _children.Remove(pid);

    /// <summary>
    /// A descriptor this interpreter made (os.open, os.pipe, a socket, FileIO.fileno(), ...), noted with the identity
    /// of what it refers to: descriptors 3 and up that it did not make belong to the host or another plugin.
    /// </summary>
    public void RecordDescriptor(long fd)
    {
        if (fd is >= 3 and <= int.MaxValue && Identity((int)fd) is { } identity)
            _descriptors[(int)fd] = identity;
    }

    public void ForgetDescriptor(long fd)
    {
        if (fd is >= 0 and <= int.MaxValue)
            _descriptors.Remove((int)fd);
    }

    public void ForgetDescriptors(long low, long high)
    {
        foreach (var fd in _descriptors.Keys.Where(fd => fd >= low && fd < high).ToArray())
            _descriptors.Remove(fd);
    }

    /// <summary>
    /// Whether <paramref name="fd"/> is this interpreter's: true when it made it and it still refers to the same file
    /// (a number closed behind the policy's back and reused by the host is not); null when it is not open at all.
    /// </summary>
    public bool? OwnsDescriptor(long fd)
    {
        if (fd is < 0 or > int.MaxValue || Identity((int)fd) is not { } identity)
            return null;
        if (_descriptors.TryGetValue((int)fd, out var recorded) && recorded == identity)
            return true;
        _descriptors.Remove((int)fd);
        return false;
    }

    // st_dev and st_ino of struct stat on x86-64.
    private static (ulong, ulong)? Identity(int fd)
    {
        var status = stackalloc byte[144];
        return LibC.FStat(fd, status) == 0 ? (*(ulong*)status, *(ulong*)(status + 8)) : null;
    }

    /// <summary>The import system opened a bytecode cache of the standard library; its marshal.loads may follow.</summary>
    public void ExpectBytecode(string path) => Current().Bytecode = path;

    public string? TakeExpectedBytecode()
    {
        if (!_notes.TryGetValue(Environment.CurrentManagedThreadId, out var notes))
            return null;
        var expected = notes.Bytecode;
        notes.Bytecode = null;
        Drop(notes);
        return expected;
    }

    // The interpreter's Python threads take turns between two events of one call: notes are kept per thread.
    private Notes Current()
    {
        var thread = Environment.CurrentManagedThreadId;
        if (!_notes.TryGetValue(thread, out var notes))
            _notes[thread] = notes = new Notes(thread);
        return notes;
    }

    private void Drop(Notes notes)
    {
        if (notes.OpenAt.Path == 0 && !notes.CodeReplacement && notes.Bytecode is null)
            _notes.Remove(notes.Thread);
    }

    private sealed class Notes(int thread)
    {
        public int Thread => thread;

        public (nint Path, int DirFd) OpenAt { get; set; }

        public bool CodeReplacement { get; set; }

        public string? Bytecode { get; set; }
    }
}
