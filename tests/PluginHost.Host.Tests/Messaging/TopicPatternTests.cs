using PluginHost.Host.Messaging;

namespace PluginHost.Host.Tests.Messaging;

public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("orders.created", "orders.created", true)]
    [InlineData("orders.created", "orders.created.eu", false)]
    [InlineData("orders.created", "orders", false)]
    [InlineData("orders.created", "orders.createdx", false)]
    [InlineData("Orders.created", "orders.created", false)]
    [InlineData("orders.*", "orders.created", true)]
    [InlineData("orders.*", "orders", false)]
    [InlineData("orders.*", "orders.created.eu", false)]
    [InlineData("*.created", "orders.created", true)]
    [InlineData("*.created", "created", false)]
    [InlineData("a.*.c", "a.b.c", true)]
    [InlineData("a.*.c", "a.c", false)]
    [InlineData("a.*.c", "a.b.d", false)]
    [InlineData("*", "a", true)]
    [InlineData("*", "a.b", false)]
    [InlineData("*.*", "a.b", true)]
    [InlineData("ab.*", "a.b", false)]
    [InlineData("a.>", "a.b", true)]
    [InlineData("a.>", "a.b.c.d", true)]
    [InlineData("a.>", "a", false)]
    [InlineData("a.>", "ab.c", false)]
    [InlineData(">", "a", true)]
    [InlineData(">", "a.b.c", true)]
    [InlineData("*.>", "a", false)]
    [InlineData("*.>", "a.b", true)]
    [InlineData("a.*.>", "a.b.c", true)]
    [InlineData("a.*.>", "a.b", false)]
    public void PatternsMatchTopicsTokenByToken(string pattern, string topic, bool matches)
    {
        var parsed = TopicPattern.Parse(pattern);

        Assert.Equal(matches, parsed.Matches(topic));
        Assert.Equal(matches, parsed.Matches(topic.AsSpan()));
    }

    [Theory]
    [InlineData("orders.created", true)]
    [InlineData("orders.*", false)]
    [InlineData("orders.>", false)]
    public void OnlyPatternsWithoutWildcardsAreLiteral(string pattern, bool literal) =>
        Assert.Equal(literal, TopicPattern.Parse(pattern).IsLiteral);

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a..b", "has an empty token at position 2")]
    [InlineData(".a", "has an empty token at position 0")]
    [InlineData("a.", "has an empty token at position 2")]
    [InlineData("a.>.b", "so it must come last")]
    [InlineData(">.a", "so it must come last")]
    [InlineData("a.b*", "must be whole tokens")]
    [InlineData("a.>x", "must be whole tokens")]
    [InlineData("a.**", "must be whole tokens")]
    [InlineData("a b", "whitespace or a control character at position 1")]
    [InlineData("a.\tb", "whitespace or a control character")]
    public void InvalidPatternsAreRefusedSayingWhy(string pattern, string reason)
    {
        var failure = Assert.Throws<ArgumentException>(() => TopicPattern.Parse(pattern));

        Assert.Contains(reason, failure.Message);
        Assert.Equal("pattern", failure.ParamName);
    }

    [Fact]
    public void OverlongPatternsAndTopicsAreRefusedNamingTheLimit()
    {
        var text = string.Join('.', Enumerable.Repeat("abcdefg", 33));

        Assert.Contains("the limit is 256", Assert.Throws<ArgumentException>(() => TopicPattern.Parse(text)).Message);
        Assert.Contains("the limit is 256", TopicPattern.CheckTopic(text));
        Assert.Null(TopicPattern.CheckTopic(new string('a', 256)));
    }

    [Theory]
    [InlineData("orders.*")]
    [InlineData("orders.>")]
    [InlineData("orders.cre*ted")]
    public void PublishedTopicsCannotHoldWildcards(string topic) =>
        Assert.Contains("wildcards are for subscriptions", TopicPattern.CheckTopic(topic));

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("a b")]
    public void MalformedTopicsAreRefused(string topic) =>
        Assert.Throws<ArgumentException>(() => TopicPattern.ValidateTopic(topic));

    [Theory]
    [InlineData("orders")]
    [InlineData("orders.created.eu-west_1")]
    [InlineData("pluginhost.deadletter")]
    public void WellFormedTopicsAreAccepted(string topic) => Assert.Null(TopicPattern.CheckTopic(topic));
}
