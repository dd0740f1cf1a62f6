using System.Buffers;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// A payload copied into a buffer of a <see cref="PayloadPool"/>; its last release returns the buffer to the pool. An
/// escaped one is never returned: the GC collects it like any array.
/// </summary>
internal sealed class PooledPayload : LeasedPayload
{
    private readonly PayloadPool _pool;
    private readonly byte[] _array;
    private readonly int _length;

    internal PooledPayload(PayloadPool pool, byte[] array, int length, bool pooled)
        : base(counted: pooled)
    {
        _pool = pool;
        _array = array;
        _length = length;
    }

    /// <summary>The bytes to fill before the payload is sent.</summary>
    public Span<byte> Buffer => _array.AsSpan(0, _length);

    public override Span<byte> GetSpan() => _array.AsSpan(0, _length);

    // The array lives on the pinned object heap: it never moves.
    public override unsafe MemoryHandle Pin(int elementIndex = 0) =>
        new((void*)Marshal.UnsafeAddrOfPinnedArrayElement(_array, elementIndex));

    protected override void Returned() => _pool.Return(_array);
}
