using System.Collections.Concurrent;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// This host's interest as the NATS transport uses it, built from one <see cref="LocalInterest"/>: the subscriptions
/// it needs on NATS, and per topic which plugins this host serves itself (the <c>Ph-Served</c> header).
/// </summary>
internal sealed class NatsInterest
{
    private const int MaxCachedTopics = 4096;

    private readonly Dictionary<string, TopicPattern[]> _patternsByOwner;
    private readonly ConcurrentDictionary<string, string?> _servedByTopic = new(StringComparer.Ordinal);

    /// <param name="durable">Whether a plugin pattern lies wholly under a durable one: it then needs no core subscription.</param>
    public NatsInterest(LocalInterest interest, NatsSubjects subjects, Func<string, bool>? durable = null)
    {
        _patternsByOwner = interest.Subscriptions
            .GroupBy(s => s.Owner, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => TopicPattern.Parse(s.Pattern)).OrderBy(p => p.Text, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var wanted = new List<NatsSubscriptionKey>();
        foreach (var (owner, pattern) in interest.Subscriptions)
        {
            if (durable is not null && !IsHostSubscriber(owner) && durable(pattern)) continue;
            wanted.Add(new NatsSubscriptionKey(subjects.Topic(pattern), QueueOf(owner), owner, pattern));
        }
        foreach (var address in interest.Addresses)
        {
            var owner = address.Split('/')[0];
            wanted.Add(new NatsSubscriptionKey(subjects.Address(address), QueueOf(owner), owner, Pattern: null));
        }
        Wanted = wanted.Distinct().ToArray();
    }

    public static NatsInterest Empty(NatsSubjects subjects) => new(LocalInterest.None, subjects);

    public IReadOnlyList<NatsSubscriptionKey> Wanted { get; }

    /// <summary>
    /// A .NET subscriber (<c>host#n</c>) is this process's own: it gets every message, no queue group. A plugin's
    /// instances, on every host, form one queue group named after it.
    /// </summary>
    public static string? QueueOf(string owner) => IsHostSubscriber(owner) ? null : owner;

    public static bool IsHostSubscriber(string owner) => owner.StartsWith("host#", StringComparison.Ordinal);

    /// <summary>The plugins here with a subscription matching <paramref name="topic"/>, comma-separated; null when none.</summary>
    public string? ServedHere(string topic)
    {
        if (_servedByTopic.TryGetValue(topic, out var served)) return served;
        var owners = _patternsByOwner.Where(o => !IsHostSubscriber(o.Key) && o.Value.Any(p => p.Matches(topic))).Select(o => o.Key).ToArray();
        served = owners.Length == 0 ? null : string.Join(',', owners);
        if (_servedByTopic.Count >= MaxCachedTopics) _servedByTopic.Clear();
        _servedByTopic.TryAdd(topic, served);
        return served;
    }

    /// <summary>Whether <paramref name="owner"/> subscribes to anything here.</summary>
    public bool Has(string owner) => _patternsByOwner.ContainsKey(owner);

    /// <summary>Whether one of <paramref name="owner"/>'s patterns here matches <paramref name="topic"/>.</summary>
    public bool Wants(string owner, string topic) =>
        _patternsByOwner.TryGetValue(owner, out var patterns) && patterns.Any(p => p.Matches(topic));

    /// <summary>
    /// Whether the plain subscription for (<paramref name="owner"/>, <paramref name="pattern"/>) delivers
    /// <paramref name="topic"/>: NATS sends a copy per matching subscription without a queue group, so of an owner's
    /// overlapping patterns only the first in ordinal order delivers.
    /// </summary>
    public bool Delivers(string owner, string pattern, string topic)
    {
        if (!_patternsByOwner.TryGetValue(owner, out var patterns)) return false;
        foreach (var p in patterns)
        {
            if (p.Matches(topic)) return string.Equals(p.Text, pattern, StringComparison.Ordinal);
        }
        return false;
    }
}

/// <summary>One NATS subscription: subject, queue group (null: none), and the owner and topic pattern (null: an address) it serves.</summary>
internal sealed record NatsSubscriptionKey(string Subject, string? Queue, string Owner, string? Pattern);
