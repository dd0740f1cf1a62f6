namespace PluginHost.Interpreter.Native;

/// <summary>
/// Scoped GIL hand-overs, so a release is always undone on every path: <c>using (Gil.Release()) Wait();</c> detaches
/// the current thread state for the scope and re-attaches it (blocking for the GIL) at its end, exceptions included.
/// Code inside a release must not touch Python.
/// </summary>
internal static class Gil
{
    /// <summary>Releases the GIL of the attached thread state until the returned scope is disposed.</summary>
    internal static Released Release() => new(Interop.DetachThread());

    /// <summary>Attaches <paramref name="tstate"/> (blocking for its GIL) until the returned scope is disposed.</summary>
    internal static Attached Attach(nint tstate)
    {
        Interop.AttachThread(tstate);
        return new Attached(tstate);
    }

    /// <summary>A released GIL; disposing takes it back with the same thread state.</summary>
    internal ref struct Released(nint saved)
    {
        private nint _saved = saved;

        public void Dispose()
        {
            if (_saved != 0)
            {
                Interop.AttachThread(_saved);
                _saved = 0;
            }
        }
    }

    /// <summary>An attached thread state; disposing detaches it and releases its GIL.</summary>
    internal ref struct Attached(nint tstate)
    {
        private nint _tstate = tstate;

        public void Dispose()
        {
            if (_tstate != 0)
            {
                Interop.DetachThread();
                _tstate = 0;
            }
        }
    }
}
