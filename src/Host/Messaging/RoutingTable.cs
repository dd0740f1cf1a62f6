using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Who receives what, frozen: the broker builds a new table on every (un)registration and swaps it in, so publishing
/// reads it without a lock. Each table caches the groups matched per topic; the cache dies with the table, which is
/// how a change invalidates it.
/// </summary>
internal sealed class RoutingTable
{
    /// <summary>Beyond this many distinct topics the cache is emptied and refilled, so it stays bounded.</summary>
    internal const int MaxCachedTopics = 4096;

    private readonly ConcurrentDictionary<string, ConsumerGroup[]> _byTopic = new(StringComparer.Ordinal);
    private readonly FrozenDictionary<string, ConsumerGroup> _byAddress;
    private int _cached;

    public RoutingTable(ImmutableArray<Receiver> addressable, ImmutableArray<Subscription> subscriptions, Receiver[] receivers)
    {
        Addressable = addressable;
        Subscriptions = subscriptions;
        Receivers = receivers;
        _byAddress = BuildAddresses(addressable);
    }

    public static RoutingTable Empty { get; } = new([], [], []);

    /// <summary>Receivers reachable by <see cref="Sdk.Messaging.Message.To"/>.</summary>
    public ImmutableArray<Receiver> Addressable { get; }

    public ImmutableArray<Subscription> Subscriptions { get; }

    /// <summary>Every registered receiver, addressable or subscribed.</summary>
    public Receiver[] Receivers { get; }

    /// <summary>The group for <c>owner</c> (all its addressable instances) or <c>owner/instance</c>; null when none.</summary>
    public ConsumerGroup? ByAddress(string address) => _byAddress.GetValueOrDefault(address);

    /// <summary>
    /// One group per owner with a subscription matching <paramref name="topic"/>, in owner-name order; a group holds
    /// the owner's receivers whose patterns match, each once. Null (with <paramref name="error"/>) for an invalid topic.
    /// </summary>
    public ConsumerGroup[]? ByTopic(string topic, out string? error)
    {
        if (_byTopic.TryGetValue(topic, out var groups))
        {
            error = null;
            return groups;
        }

        error = TopicPattern.CheckTopic(topic);
        if (error is not null) return null;

        groups = Match(topic);
        if (Interlocked.Increment(ref _cached) > MaxCachedTopics)
        {
            _byTopic.Clear();
            Volatile.Write(ref _cached, 1);
        }

        _byTopic.TryAdd(topic, groups);
        return groups;
    }

    private ConsumerGroup[] Match(string topic)
    {
        Dictionary<string, List<Receiver>>? owners = null;
        foreach (var subscription in Subscriptions)
        {
            if (!subscription.Pattern.Matches(topic)) continue;
            owners ??= new(StringComparer.Ordinal);
            var receiver = subscription.Receiver;
            if (!owners.TryGetValue(receiver.Owner, out var members)) owners.Add(receiver.Owner, members = []);
            if (!members.Contains(receiver)) members.Add(receiver);
        }

        if (owners is null) return [];
        return [.. owners.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => Group(o.Key, o.Value))];
    }

    private static FrozenDictionary<string, ConsumerGroup> BuildAddresses(ImmutableArray<Receiver> addressable)
    {
        var groups = new Dictionary<string, ConsumerGroup>(StringComparer.Ordinal);
        foreach (var byOwner in addressable.GroupBy(r => r.Owner, StringComparer.Ordinal))
        {
            groups[byOwner.Key] = Group(byOwner.Key, byOwner);
            foreach (var byInstance in byOwner.GroupBy(r => r.Instance))
                groups[$"{byOwner.Key}/{byInstance.Key}"] = Group(byOwner.Key, byInstance);
        }

        return groups.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static ConsumerGroup Group(string owner, IEnumerable<Receiver> members) =>
        new(owner, [.. members.Distinct().OrderBy(r => r.Instance)]);
}
