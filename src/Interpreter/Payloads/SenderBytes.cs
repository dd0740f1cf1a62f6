using System.Buffers;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// A large payload that is the sender's own <c>bytes</c> object, lent instead of copied: a <c>bytes</c> object never
/// changes, so receivers read its buffer directly and each receiver's <c>message.payload</c> is the one copy the
/// payload makes. The lease holds a reference to the object, taken under the sender's GIL; the last release (or,
/// for an escaped payload, the GC) queues the matching decref back to the sender's interpreter
/// (<see cref="PayloadReleases"/>): a Python object is touched only under its own interpreter's GIL. Reading the
/// buffer needs no GIL: the reference keeps it alive, and a large <c>bytes</c> lives in the raw allocator's memory,
/// which outlives the interpreter (one that ended with leases out leaks those objects rather than freeing them).
/// Only an exact <c>bytes</c> is lent: a subclass, a bytearray or a memoryview can change, so they are copied.
/// <para>
/// An escaping payload (<see cref="Escape"/>: a .NET subscriber, a transport, a dead letter) is copied once into a GC
/// array, which every later read sees: those readers hold no count, and the sender's object goes back when the counted
/// holders are done. Every reader of the sender's memory holds a counted lease, which keeps this object reachable:
/// so the finalizer (a lease never ended, e.g. by an interpreter abandoned with Message objects alive) can give the
/// object back without anyone still reading it.
/// </para>
/// </summary>
internal sealed unsafe class SenderBytes : LeasedPayload
{
    private static nint s_bytesType;   // &PyBytes_Type: process-wide library data, the same for every interpreter

    private readonly nint _object;
    private readonly byte* _data;
    private readonly int _length;
    private readonly PayloadReleases _owner;
    private readonly nint _charge;
    private byte[]? _copy;

    private SenderBytes(nint bytes, ReadOnlySpan<byte> data, PayloadReleases owner, nint charge)
        : base(counted: true)
    {
        _object = bytes;
        _charge = charge;
        fixed (byte* p = data)
            _data = p;   // not moved: the object lives outside the .NET heap
        _length = data.Length;
        _owner = owner;
    }

    /// <summary>Whether <paramref name="value"/> is an exact <c>bytes</c> object (not a subclass, which could change).</summary>
    internal static bool IsExactBytes(BorrowedRef value)
    {
        if (s_bytesType == 0)
            s_bytesType = LibPython.Export("PyBytes_Type");
        return Interop.TypeOf(value.Pointer) == s_bytesType;
    }

    /// <summary>
    /// Lends <paramref name="bytes"/> (an exact bytes object; caller holds the GIL of <paramref name="owner"/>'s
    /// interpreter) with one reference for the caller, who releases it once the message is sent.
    /// </summary>
    internal static SenderBytes Lend(BorrowedRef bytes, PayloadReleases owner)
    {
        var data = Interop.BytesSpan(bytes);
        Interop.IncRef(bytes.Pointer);   // the lease's own reference; released through owner
        return new SenderBytes(bytes.Pointer, data, owner, owner.Lend(bytes.Pointer));
    }

    public override Span<byte> GetSpan() => Volatile.Read(ref _copy) is { } copy ? copy.AsSpan() : new Span<byte>(_data, _length);

    // The copy lives on the pinned object heap: it never moves.
    public override MemoryHandle Pin(int elementIndex = 0) =>
        new(Volatile.Read(ref _copy) is { } copy ? (void*)Marshal.UnsafeAddrOfPinnedArrayElement(copy, elementIndex) : _data + elementIndex);

    /// <summary>Copies the payload into a GC array for the uncounted readers to come, then ends the caller's reference.</summary>
    internal override void Escape()
    {
        if (Volatile.Read(ref _copy) is null)
        {
            var copy = GC.AllocateUninitializedArray<byte>(_length, pinned: true);
            new ReadOnlySpan<byte>(_data, _length).CopyTo(copy);
            Interlocked.CompareExchange(ref _copy, copy, null);
        }
        Release();
    }

    protected override void Returned()
    {
        GC.SuppressFinalize(this);
        _owner.Release(_object, _charge);
    }

    // A lease never ended: no counted reader is left once the GC finds this unreachable (see the remarks above).
#pragma warning disable CA2015
    ~SenderBytes() => _owner.Release(_object, _charge);
#pragma warning restore CA2015
}
