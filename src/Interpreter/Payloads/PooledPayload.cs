using System.Buffers;
using System.Runtime.InteropServices;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// One message's payload in a pooled buffer, reference counted: the sender holds one reference while it publishes,
/// the broker one per delivery until the delivery's outcome, and each Python <c>pluginhost.Message</c> one until it is
/// freed. The last release returns the buffer to its pool. A payload handed to code whose lifetime the host cannot
/// see (a .NET subscriber, a transport, a dead letter) <see cref="Escape">escapes</see>: it is then never returned,
/// and the GC collects it like any array. Forgetting a release costs a pool miss; returning too early would let a
/// buffer be overwritten under a reader — so every doubtful path escapes.
/// </summary>
public sealed class PooledPayload : MemoryManager<byte>
{
    private const int Escaped = int.MinValue / 2;   // far below zero: releases can never bring the count back to 0

    private readonly PayloadPool _pool;
    private readonly byte[] _array;
    private readonly int _length;
    private int _references;

    internal PooledPayload(PayloadPool pool, byte[] array, int length, bool pooled)
    {
        _pool = pool;
        _array = array;
        _length = length;
        _references = pooled ? 1 : Escaped;
    }

    /// <summary>The bytes to fill before the payload is sent.</summary>
    public Span<byte> Buffer => _array.AsSpan(0, _length);

    public static bool TryGet(Message message, out PooledPayload payload) =>
        MemoryMarshal.TryGetMemoryManager(message.Payload, out payload!);

    /// <summary>Takes a reference for one more holder of <paramref name="message"/>'s payload (no-op for plain arrays).</summary>
    public static void Retain(Message message)
    {
        if (TryGet(message, out var payload))
            Interlocked.Increment(ref payload._references);
    }

    /// <summary>Drops a reference taken by <see cref="Retain"/> or at rent; the last one returns the buffer.</summary>
    public static void Release(Message message)
    {
        if (TryGet(message, out var payload) && Interlocked.Decrement(ref payload._references) == 0)
            payload._pool.Return(payload._array);
    }

    /// <summary>The payload goes where the host cannot see when it is no longer read: never return it to the pool.</summary>
    public static void Escape(Message message)
    {
        if (TryGet(message, out var payload))
            Interlocked.Exchange(ref payload._references, Escaped);
    }

    public override Span<byte> GetSpan() => _array.AsSpan(0, _length);

    // The array lives on the pinned object heap: it never moves.
    public override unsafe MemoryHandle Pin(int elementIndex = 0) =>
        new((void*)Marshal.UnsafeAddrOfPinnedArrayElement(_array, elementIndex));

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
