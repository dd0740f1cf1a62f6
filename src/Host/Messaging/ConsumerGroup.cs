namespace PluginHost.Host.Messaging;

/// <summary>
/// The receivers of one owner that compete for a message: each message goes to one of them, taken round-robin.
/// Immutable apart from the round-robin position; a new routing table makes new groups.
/// </summary>
internal sealed class ConsumerGroup
{
    private int _next = -1;

    public ConsumerGroup(string owner, Receiver[] members)
    {
        Owner = owner;
        Members = members;
        AsRoute = [this];
    }

    public string Owner { get; }

    /// <summary>In instance order; never empty.</summary>
    public Receiver[] Members { get; }

    /// <summary>This group as a one-group route, so routing an addressed message allocates no array.</summary>
    public ConsumerGroup[] AsRoute { get; }

    /// <summary>Index of the member to try first for the next message.</summary>
    public int NextStart() =>
        Members.Length == 1 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)Members.Length);
}

/// <summary>One endpoint's subscription to one pattern; <see cref="Id"/> tells two identical subscriptions apart.</summary>
internal sealed record Subscription(long Id, TopicPattern Pattern, Receiver Receiver);
