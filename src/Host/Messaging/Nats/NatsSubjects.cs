namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// Topic ⇄ subject: topic <c>orders.created</c> is <c>&lt;prefix&gt;.orders.created</c> (same tokens, same <c>*</c> and
/// <c>&gt;</c>); address <c>owner</c> or <c>owner/3</c> is <c>&lt;prefix&gt;-to.owner</c> or <c>…-to.owner.3</c>: the last
/// prefix token differs, so no topic can collide with an address.
/// </summary>
internal sealed class NatsSubjects(string prefix)
{
    public string Prefix { get; } = prefix;

    public string Topic(string topic) => $"{Prefix}.{topic}";

    public string Address(string address) => $"{Prefix}-to.{address.Replace('/', '.')}";

    /// <summary>The topic of an inbound topic subject, or null for one outside this deployment's topics.</summary>
    public string? TopicOf(string subject) =>
        subject.Length > Prefix.Length + 1 && subject.StartsWith(Prefix, StringComparison.Ordinal) && subject[Prefix.Length] == '.'
            ? subject[(Prefix.Length + 1)..]
            : null;

    /// <summary>Null when <paramref name="prefix"/> is one or more subject tokens without wildcards.</summary>
    public static string? CheckPrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return "empty; give a subject token such as 'pluginhost' or 'prod.pluginhost'.";
        foreach (var token in prefix.Split('.'))
        {
            if (token.Length == 0) return $"'{prefix}' has an empty token.";
            if (token is "*" or ">" || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                return $"'{prefix}' has the token '{token}'; tokens are visible characters, not wildcards.";
        }
        return null;
    }
}
