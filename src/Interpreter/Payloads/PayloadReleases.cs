using System.Collections.Concurrent;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// One interpreter's Python objects lent to leases elsewhere (<see cref="SenderBytes"/>) whose holders are done: their
/// decrefs, queued from any thread and run by the owner under its GIL — at its next <c>publish</c> (so a plugin
/// publishing in a loop does not pile up what it lent) or else as posted work. Work posted after the interpreter ended
/// never runs: those objects leak (they stay valid memory; see <see cref="SenderBytes"/>). While lent, an object's
/// block is charged to no interpreter (<see cref="Memory.LargeAllocations.Uncharge"/>): its receivers are charged with
/// what they keep, and a sender is never restarted for memory its receivers hold.
/// </summary>
internal sealed class PayloadReleases
{
    private readonly ConcurrentQueue<(nint Object, nint Charge)> _objects = new();
    private readonly SubInterpreter _owner;
    private readonly PostedWork _drain;
    private int _posted;

    internal PayloadReleases(SubInterpreter owner)
    {
        _owner = owner;
        _drain = new PostedWork(_ => Drain(), null);
    }

    /// <summary>Objects queued and not yet released.</summary>
    internal int Pending => _objects.Count;

    /// <summary>
    /// Takes <paramref name="o"/>'s block off its interpreter's memory figure while it is lent; returns what
    /// <see cref="Release"/> needs to put it back. Under the owner's GIL.
    /// </summary>
    internal nint Lend(nint o) => _owner.Runtime.LargeAllocations?.Uncharge(o) ?? 0;

    /// <summary>
    /// Queues the decref of <paramref name="o"/> (a new reference the caller gives up; <paramref name="charge"/> from
    /// <see cref="Lend"/>); any thread.
    /// </summary>
    internal void Release(nint o, nint charge)
    {
        _objects.Enqueue((o, charge));
        if (Interlocked.Exchange(ref _posted, 1) == 0)
            _owner.Post(_drain);   // false once the interpreter ends: the objects leak
    }

    /// <summary>Runs the queued decrefs; only on the owner's thread, under its GIL.</summary>
    internal void Drain()
    {
        if (_objects.IsEmpty)
            return;
        Volatile.Write(ref _posted, 0);   // before taking: a release from now on posts again (at worst a drain of nothing)
        var ledger = _owner.Runtime.LargeAllocations;
        while (_objects.TryDequeue(out var lent))
        {
            ledger?.Recharge(lent.Object, lent.Charge);   // before the decref: a free then credits the owner
            Interop.DecRef(lent.Object);
        }
    }
}
