using PluginHost.Host.Messaging.Nats;

namespace PluginHost.Host.Tests.Nats;

/// <summary>Which plugin patterns a durable pattern overlaps or covers, and the names on the server.</summary>
public sealed class NatsDurablePatternTests
{
    [Theory]
    [InlineData("orders.>", "orders.created", true)]
    [InlineData("orders.>", ">", true)]
    [InlineData("orders.>", "*.created", true)]
    [InlineData("orders.>", "orders", false)]
    [InlineData("orders.*", "orders.a.b", false)]
    [InlineData("orders.*", "orders.>", true)]
    [InlineData("a.b", "a.c", false)]
    [InlineData("a.*.c", "a.b.*", true)]
    public void Overlap(string durable, string pattern, bool overlap)
    {
        Assert.Equal(overlap, NatsDurable.Overlap(durable, pattern));
        Assert.Equal(overlap, NatsDurable.Overlap(pattern, durable));
    }

    [Theory]
    [InlineData("orders.>", "orders.created", true)]
    [InlineData("orders.>", "orders.*.x", true)]
    [InlineData("orders.>", "orders.>", true)]
    [InlineData("orders.>", ">", false)]
    [InlineData("orders.>", "orders", false)]
    [InlineData("orders.*", "orders.created", true)]
    [InlineData("orders.*", "orders.>", false)]
    [InlineData("orders.created", "orders.*", false)]
    [InlineData("a.*.c", "a.b.c", true)]
    public void Covers(string durable, string pattern, bool covers) => Assert.Equal(covers, NatsDurable.Covers(durable, pattern));

    [Fact]
    public void NamesHoldNoDots()
    {
        Assert.Equal("PLUGINHOST_PROD_EU", NatsDurable.StreamName("prod.eu"));
        Assert.Equal("text_tools", NatsDurable.ConsumerName("text.tools", 0));
        Assert.Equal("worker-2", NatsDurable.ConsumerName("worker", 1));
        Assert.NotNull(NatsDurable.CheckPattern("orders..x"));
        Assert.Null(NatsDurable.CheckPattern("orders.>"));
    }
}
