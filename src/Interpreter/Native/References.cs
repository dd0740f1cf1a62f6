namespace PluginHost.Interpreter.Native;

/// <summary>
/// A borrowed reference: someone else owns it; valid only while that owner keeps it alive. Never decref'd.
/// </summary>
internal readonly ref struct BorrowedRef
{
    internal BorrowedRef(nint pointer) => Pointer = pointer;

    internal nint Pointer { get; }

    internal bool IsNull => Pointer == 0;
}

/// <summary>
/// A new (owned) reference: must be disposed (decref'd) or stolen exactly once, with the owning interpreter attached.
/// </summary>
internal ref struct NewRef
{
    private nint _pointer;

    internal NewRef(nint pointer) => _pointer = pointer;

    internal readonly nint Pointer => _pointer;

    internal readonly bool IsNull => _pointer == 0;

    internal readonly BorrowedRef Borrow() => new(_pointer);

    /// <summary>Hands ownership to the caller (e.g. to a C API that steals a reference, or to a long-lived holder).</summary>
    internal nint Steal()
    {
        var p = _pointer;
        _pointer = 0;
        return p;
    }

    public void Dispose()
    {
        if (_pointer != 0)
        {
            Interop.DecRef(_pointer);
            _pointer = 0;
        }
    }
}
