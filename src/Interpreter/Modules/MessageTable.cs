using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// The .NET messages held by one interpreter's <c>pluginhost.Message</c> objects, by slot. Used only under that
/// interpreter's GIL, so it needs no lock. A slot, not a GC handle per message: rebinding a handle writes into the
/// process-wide handle table, whose cache lines also hold handles other threads read on every call (a publishing
/// interpreter's own binding), and a write per delivered message there cost the publisher a cache miss per publish.
/// </summary>
internal sealed class MessageTable
{
    private Message?[] _messages = new Message?[16];
    private int[] _free = new int[16];
    private int _freeCount;
    private int _used;
    private long _payloadBytes;

    /// <summary>
    /// Payload bytes of the messages held: memory the interpreter's Python code keeps (a pooled payload stays out of
    /// the pool while a Message holds it). Written under the GIL, readable from any thread.
    /// </summary>
    public long PayloadBytes => Volatile.Read(ref _payloadBytes);

    /// <summary>A slot holding <paramref name="message"/>: 1 or more (0 in a Message object means none).</summary>
    public int Add(Message message)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_used == _messages.Length)
                Array.Resize(ref _messages, _used * 2);
            slot = ++_used;
        }
        _messages[slot - 1] = message;
        Count(message.Payload.Length);
        return slot;
    }

    public Message? this[int slot]
    {
        get => _messages[slot - 1];
        set
        {
            Count((value?.Payload.Length ?? 0) - (_messages[slot - 1]?.Payload.Length ?? 0));
            _messages[slot - 1] = value;
        }
    }

    public void Remove(int slot)
    {
        this[slot] = null;
        if (_freeCount == _free.Length)
            Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = slot;
    }

    private void Count(long bytes)
    {
        if (bytes != 0)
            Volatile.Write(ref _payloadBytes, _payloadBytes + bytes);
    }
}
