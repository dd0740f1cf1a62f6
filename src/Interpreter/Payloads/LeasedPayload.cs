using System.Buffers;
using System.Runtime.InteropServices;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// A message payload whose memory is lent, not owned by the GC: a <see cref="PooledPayload">pooled buffer</see> or a
/// <see cref="SenderBytes">sender's own bytes object</see>. Reference counted: the sender holds one reference while it
/// publishes, each holder one more (taken as a <see cref="PayloadLease"/>), and the last release gives the memory back
/// (to the pool; to the sender's interpreter). A payload handed to code whose hold the host cannot see
/// <see cref="Escape">escapes</see>: releases no longer count, and it is given back only when the GC finds it
/// unreachable (a pooled buffer is then an ordinary array). Forgetting a release costs a pool miss or a late return;
/// returning too early would let memory be reused under a reader — so every doubtful path escapes.
/// </summary>
internal abstract class LeasedPayload : MemoryManager<byte>
{
    private const int Escaped = int.MinValue / 2;   // far below zero: releases can never bring the count back to 0

    private int _references;

    /// <param name="counted">False: escaped from the start (never given back by count).</param>
    protected LeasedPayload(bool counted) => _references = counted ? 1 : Escaped;

    /// <summary>Whether the payload escaped: only the GC ends it.</summary>
    internal bool HasEscaped => Volatile.Read(ref _references) < 0;

    internal static bool TryGet(Message message, out LeasedPayload payload) =>
        MemoryMarshal.TryGetMemoryManager(message.Payload, out payload!);

    /// <summary>The payload goes where the host cannot see when it is no longer read (see <see cref="Escape()"/>); no-op for plain arrays.</summary>
    internal static void Escape(Message message)
    {
        if (TryGet(message, out var payload))
            payload.Escape();
    }

    /// <summary>Takes a reference for one more holder of <paramref name="message"/>'s payload (no-op for plain arrays).</summary>
    internal static void Retain(Message message)
    {
        if (TryGet(message, out var payload))
            payload.Retain();
    }

    /// <summary>Drops a reference taken by <see cref="Retain(Message)"/> or at creation; the last one gives the memory back.</summary>
    internal static void Release(Message message)
    {
        if (TryGet(message, out var payload))
            payload.Release();
    }

    /// <summary>
    /// One more counted holder. A payload already given back (count 0) cannot be leased again — its memory may be
    /// reused — so that is a bug, thrown rather than read; an escaped one stays escaped.
    /// </summary>
    internal void Retain()
    {
        var count = Volatile.Read(ref _references);
        while (true)
        {
            if (count == 0)
                throw new InvalidOperationException("a lease was taken on a payload already given back: take leases before the sender's publish returns");
            if (count < 0)
                return;
            var seen = Interlocked.CompareExchange(ref _references, count + 1, count);
            if (seen == count)
                return;
            count = seen;
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Returned();
    }

    /// <summary>
    /// Ends one holder's reference by passing the payload on where the host cannot see when it is no longer read: from
    /// then on it must be safe to read for as long as anything refers to it. A pooled buffer is never given back.
    /// </summary>
    internal virtual void Escape() => Interlocked.Exchange(ref _references, Escaped);

    /// <summary>The last counted holder is done: nobody reads the memory any more.</summary>
    protected abstract void Returned();

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
