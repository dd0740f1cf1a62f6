namespace PluginHost.Interpreter.Memory;

// A large bytes object a plugin publishes is lent to its receivers (Payloads/SenderBytes.cs). While lent it is held for
// them — they are charged with what they keep (their message table) and their inboxes — so its block is charged to no
// interpreter, as a pooled copy's memory was, and back to its owner when the lease ends: a sender is never restarted for
// memory its receivers hold.
internal sealed unsafe partial class LargeAllocations
{
    /// <summary>
    /// Moves the charge of <paramref name="o"/>'s block (a Python object from the raw domain) to no interpreter; returns
    /// the counter it was charged to, for <see cref="Recharge"/>, or 0 when there is nothing to move (a block the hook
    /// did not make, one already charged to none). Only under the GIL of the interpreter that owns <paramref name="o"/>:
    /// nothing else can free or resize it meanwhile.
    /// </summary>
    internal nint Uncharge(nint o)
    {
        var counter = OwnerCounter(_state, o);
        var none = Counter(_state, 0);
        if (counter is null || counter == none)
            return 0;
        Move(o, counter, none);
        return (nint)counter;
    }

    /// <summary>Charges <paramref name="o"/>'s block back to <paramref name="counter"/> (from <see cref="Uncharge"/>), under the same GIL.</summary>
    internal void Recharge(nint o, nint counter)
    {
        var none = Counter(_state, 0);
        if (counter != 0 && OwnerCounter(_state, o) == none)
            Move(o, none, (long*)counter);
    }

    private void Move(nint o, long* from, long* to)
    {
        var size = (long)*(nuint*)(o - sizeof(nuint));
        *(nint*)(o - HeaderSize) = (nint)to ^ _state->Key;   // a later free credits the counter the header names
        Interlocked.Add(ref *from, -size);
        Interlocked.Add(ref *to, size);
    }
}
