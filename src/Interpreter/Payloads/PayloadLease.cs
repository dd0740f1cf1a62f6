using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Payloads;

/// <summary>
/// One holder's claim on a message's payload, for as long as it may read it. A large payload's memory is lent, not
/// owned by the GC — a pooled buffer, or the sending plugin's own <c>bytes</c> object — and is given back (reused)
/// when its last lease ends. Rules:
/// <list type="bullet">
/// <item>Take a lease (<see cref="Take"/>) before the holder can be reached by a reader, and end it exactly once,
/// when the holder is done reading: <see cref="Dispose"/>. Calls after the first are ignored.</item>
/// <item>A holder that hands the payload to code whose lifetime the host cannot see — a .NET subscriber, a
/// transport, a dead letter — <see cref="LetGo">lets go</see> instead: the payload then stays readable for as long
/// as anything refers to it (a pooled buffer is never reused and becomes the GC's; a lent <c>bytes</c> is copied once
/// into a GC array for the readers to come, and goes back to its sender when the counted holders are done).</item>
/// <item>A runtime that keeps the payload past the call that delivered it (a Python <c>pluginhost.Message</c>
/// object, a worker process's copy) takes its own lease; payloads cross the runtime boundary as leases.</item>
/// </list>
/// A payload that is a plain array (every payload under 64 KiB, anything a .NET service publishes) needs none:
/// <see cref="Take"/> returns null and costs nothing.
/// </summary>
public sealed class PayloadLease : IDisposable
{
    private readonly LeasedPayload _payload;
    private int _ended;

    private PayloadLease(LeasedPayload payload) => _payload = payload;

    /// <summary>A lease on <paramref name="message"/>'s payload; null when it is not lent (a plain array) or already let go.</summary>
    public static PayloadLease? Take(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!LeasedPayload.TryGet(message, out var payload) || payload.HasEscaped)
            return null;
        payload.Retain();
        return new PayloadLease(payload);
    }

    /// <summary>Whether <paramref name="message"/>'s payload is lent memory (large, from a plugin) rather than a plain array.</summary>
    public static bool IsLent(Message message) => LeasedPayload.TryGet(message, out _);

    /// <summary>This holder is done reading: the last lease to end gives the memory back. Once; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
            _payload.Release();
    }

    /// <summary>
    /// This holder passes the payload on where the host cannot follow it: from now on the payload stays readable for
    /// as long as anything refers to it, for every holder (see the rules above). Ends this lease like
    /// <see cref="Dispose"/>.
    /// </summary>
    public void LetGo()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
            _payload.Escape();
    }
}
