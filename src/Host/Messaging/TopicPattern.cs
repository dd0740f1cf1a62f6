namespace PluginHost.Host.Messaging;

/// <summary>
/// A subscription pattern with NATS subject syntax: dot-separated tokens, <c>*</c> matches exactly one token, <c>&gt;</c>
/// (only as the last token) matches one or more trailing tokens. Matching is ordinal and case-sensitive. Tokens are
/// split once at parse time; <see cref="Matches(string)"/> walks the topic without allocating.
/// </summary>
internal sealed class TopicPattern : IEquatable<TopicPattern>
{
    /// <summary>Longest topic or pattern, in characters.</summary>
    public const int MaxLength = 256;

    // null stands for '*'; a trailing '>' is not stored here but in _tail.
    private readonly string?[] _tokens;
    private readonly bool _tail;

    private TopicPattern(string text, string?[] tokens, bool tail, bool literal)
    {
        Text = text;
        _tokens = tokens;
        _tail = tail;
        IsLiteral = literal;
    }

    public string Text { get; }

    /// <summary>True when the pattern has no wildcard, so it matches exactly one topic: itself.</summary>
    public bool IsLiteral { get; }

    /// <summary>Parses a pattern; throws <see cref="ArgumentException"/> saying what is wrong with it.</summary>
    public static TopicPattern Parse(string pattern)
    {
        var error = Check(pattern, isPattern: true);
        if (error is not null) throw new ArgumentException(error, nameof(pattern));

        var parts = pattern.Split('.');
        var tail = parts[^1] == ">";
        var count = tail ? parts.Length - 1 : parts.Length;
        var tokens = new string?[count];
        var literal = !tail;
        for (var i = 0; i < count; i++)
        {
            if (parts[i] == "*") literal = false;
            else tokens[i] = parts[i];
        }

        return new TopicPattern(pattern, tokens, tail, literal);
    }

    /// <summary>Null when <paramref name="topic"/> can be published to; otherwise why not.</summary>
    public static string? CheckTopic(string? topic) => Check(topic, isPattern: false);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="topic"/> can be published to.</summary>
    public static void ValidateTopic(string? topic, string? paramName = null)
    {
        var error = CheckTopic(topic);
        if (error is not null) throw new ArgumentException(error, paramName ?? nameof(topic));
    }

    public bool Matches(string topic) =>
        IsLiteral ? string.Equals(topic, Text, StringComparison.Ordinal) : Matches(topic.AsSpan());

    /// <summary>Matches a valid topic (see <see cref="CheckTopic"/>); an invalid one may match or not.</summary>
    public bool Matches(ReadOnlySpan<char> topic)
    {
        var rest = topic;
        var more = !rest.IsEmpty;
        foreach (var expected in _tokens)
        {
            if (!more) return false;
            var dot = rest.IndexOf('.');
            ReadOnlySpan<char> token;
            if (dot < 0)
            {
                token = rest;
                rest = default;
                more = false;
            }
            else
            {
                token = rest[..dot];
                rest = rest[(dot + 1)..];
            }

            if (expected is not null && !token.SequenceEqual(expected)) return false;
        }

        // '>' needs at least one more token; without it the topic must end here.
        return _tail == more;
    }

    public bool Equals(TopicPattern? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as TopicPattern);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;

    private static string? Check(string? text, bool isPattern)
    {
        var what = isPattern ? "Topic pattern" : "Topic";
        if (string.IsNullOrEmpty(text)) return $"{what} is empty; give dot-separated tokens such as 'orders.created'.";
        if (text.Length > MaxLength) return $"{what} '{text[..32]}...' is {text.Length} characters long; the limit is {MaxLength}.";

        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                var c = text[i];
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                    return $"{what} '{text}' contains whitespace or a control character at position {i}; tokens are made of visible characters.";
                continue;
            }

            var token = text.AsSpan(start, i - start);
            if (token.IsEmpty)
                return $"{what} '{text}' has an empty token at position {start}; tokens are separated by single dots and the text neither starts nor ends with one.";

            if (token.ContainsAny('*', '>'))
            {
                if (!isPattern)
                    return $"Topic '{text}' contains a wildcard ('*' or '>'); wildcards are for subscriptions, a published topic names one topic.";
                if (token.Length != 1)
                    return $"Topic pattern '{text}' has the token '{token}'; the wildcards '*' and '>' must be whole tokens.";
                if (token[0] == '>' && i != text.Length)
                    return $"Topic pattern '{text}' has '>' before its last token; '>' matches the rest of a topic, so it must come last.";
            }

            start = i + 1;
        }

        return null;
    }
}
