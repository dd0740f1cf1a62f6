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

    /// <summary>
    /// Gives the reference away: this <see cref="NewRef"/> no longer owns it (disposing it does nothing). The result
    /// goes to a C-API wrapper that steals (its parameter is a <see cref="StolenRef"/>), to a long-lived holder, or back
    /// to C as a callback's new-reference result.
    /// </summary>
    internal StolenRef Steal()
    {
        var p = _pointer;
        _pointer = 0;
        return new StolenRef(p);
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

/// <summary>
/// A reference in transit: its owner gave it up with <see cref="NewRef.Steal"/>, and whoever receives it owns it.
/// Wrappers of C-API calls that steal a reference (PyTuple_SetItem, PyList_SetItem, PyErr_SetRaisedException) take
/// this type, so neither a borrowed pointer nor a reference still owned elsewhere can be handed to them by mistake.
/// It converts to <c>nint</c> for the places that keep the reference: a state field, or C receiving a callback's
/// new-reference result.
/// </summary>
internal readonly ref struct StolenRef
{
    internal StolenRef(nint pointer) => Pointer = pointer;

    internal nint Pointer { get; }

    internal bool IsNull => Pointer == 0;

    /// <summary>A reference the caller owns as a raw pointer (e.g. one it just incref'd) and gives up here.</summary>
    internal static StolenRef Take(nint owned) => new(owned);

    public static implicit operator nint(StolenRef stolen) => stolen.Pointer;
}
