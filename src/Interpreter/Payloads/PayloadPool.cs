using System.Collections.Concurrent;
using System.Numerics;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// Reusable payload buffers for large messages, one pool per runtime. A fresh 1 MiB array per message costs more than
/// copying into it: the GC zeroes it, the kernel backs it with fresh pages, and a background collection reclaims it.
/// A reused buffer's pages are already mapped and warm. Buffers live on the pinned object heap, so the buffer
/// protocol can hand their address to Python without a pin handle.
/// </summary>
internal sealed class PayloadPool
{
    /// <summary>Payloads smaller than this are plain arrays: young-generation allocation is cheaper than pooling.</summary>
    public const int MinimumSize = 64 * 1024;

    private const int MaximumShift = 26;                  // buckets up to 64 MiB; larger payloads are not pooled
    private const int MinimumShift = 16;
    private readonly ConcurrentBag<byte[]>[] _buckets;
    private readonly long _retainLimit;
    private long _retained;
    private long _reused;

    /// <param name="retainLimit">Bytes of idle buffers kept for reuse; returns beyond it are left to the GC.</param>
    public PayloadPool(long retainLimit = 256L << 20)
    {
        _retainLimit = retainLimit;
        _buckets = new ConcurrentBag<byte[]>[MaximumShift - MinimumShift + 1];
        for (var i = 0; i < _buckets.Length; i++)
            _buckets[i] = [];
    }

    /// <summary>Idle bytes held for reuse.</summary>
    public long RetainedBytes => Volatile.Read(ref _retained);

    /// <summary>Rents served from a returned buffer rather than a new one.</summary>
    public long Reused => Volatile.Read(ref _reused);

    /// <summary>A buffer holding <paramref name="length"/> bytes (uninitialised), pooled when the size warrants it.</summary>
    public PooledPayload Rent(int length)
    {
        var shift = Shift(length);
        if (shift > MaximumShift)
            return new PooledPayload(this, GC.AllocateUninitializedArray<byte>(length, pinned: true), length, pooled: false);
        if (_buckets[shift - MinimumShift].TryTake(out var array))
        {
            Interlocked.Add(ref _retained, -array.Length);
            Interlocked.Increment(ref _reused);
        }
        else
            array = GC.AllocateUninitializedArray<byte>(1 << shift, pinned: true);
        return new PooledPayload(this, array, length, pooled: true);
    }

    internal void Return(byte[] array)
    {
        if (Interlocked.Add(ref _retained, array.Length) > _retainLimit)
        {
            Interlocked.Add(ref _retained, -array.Length);
            return;
        }
        _buckets[BitOperations.Log2((uint)array.Length) - MinimumShift].Add(array);
    }

    private static int Shift(int length) =>
        Math.Max(MinimumShift, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(length, 1) - 1));
}
