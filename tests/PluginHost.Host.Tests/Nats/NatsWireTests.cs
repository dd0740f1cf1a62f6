using System.Collections.Immutable;
using PluginHost.Host.Messaging;
using PluginHost.Host.Messaging.Nats;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Nats;

/// <summary>The NATS transport's pieces without a server: the wire format, subjects, interest and its settings.</summary>
public sealed class NatsWireTests
{
    /// <summary>A message with every field set, and a header of its own posing as ours.</summary>
    private static Message Sample(string tenant) => new()
    {
        Topic = "orders.created", Payload = "{}"u8.ToArray(), ContentType = ContentTypes.Json, Id = "m-1", CorrelationId = "c-1",
        Sender = "shop", To = "billing/2", Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
        Headers = ImmutableDictionary<string, string>.Empty.Add("tenant", tenant).Add("Ph-Sender", "spoof"),
    };

    [Fact]
    public void AMessageSurvivesTheTripThroughNatsHeaders()
    {
        var message = Sample("t1");
        var headers = NatsWire.Encode(message);
        Assert.Equal("m-1", NatsWire.Get(headers, "Nats-Msg-Id"));
        Assert.Equal("shop", NatsWire.Get(headers, NatsWire.Sender));   // a publisher's own "Ph-Sender" header cannot pose as it
        var back = NatsWire.Decode(topic: null, headers, message.Payload.ToArray());
        Assert.Equal(message with { Payload = default, Headers = ImmutableDictionary<string, string>.Empty }, back with { Payload = default, Headers = ImmutableDictionary<string, string>.Empty });
        Assert.Equal("{}"u8.ToArray(), back.Payload.ToArray());
        Assert.Equal(message.Headers.OrderBy(h => h.Key), back.Headers.OrderBy(h => h.Key));
    }

    [Fact]
    public void OurHeadersAreReadStraightFromTheHeaderBlock()
    {
        var message = Sample("t1: ünï");
        // As NATS.Net writes it, with another client's header and a status code on the version line among ours.
        var text = "NATS/1.0 100\r\nX-Other: skipped\r\n"
            + string.Concat(NatsWire.Encode(message).Select(h => $"{h.Key}:  {h.Value}\t\r\n"))
            + "Ph-Sender: second\r\n\r\n";
        var block = System.Text.Encoding.UTF8.GetBytes(text);

        foreach (var sequence in (System.Buffers.ReadOnlySequence<byte>[])[new(block), Split(block, 17)])
        {
            var headers = WireHeaders.Parse(sequence);
            Assert.Null(headers.Get("X-Other"));
            Assert.Equal("shop", headers.Get(NatsWire.Sender));   // the first of a repeated header, as NATS.Net's Get
            var back = NatsWire.Decode(topic: null, headers, message.Payload.ToArray());
            Assert.Equal(message with { Payload = default, Headers = ImmutableDictionary<string, string>.Empty }, back with { Payload = default, Headers = ImmutableDictionary<string, string>.Empty });
            Assert.Equal(message.Headers.OrderBy(h => h.Key), back.Headers.OrderBy(h => h.Key));
        }
        Assert.Equal(0, WireHeaders.Parse(null).Count);
        Assert.Equal(0, WireHeaders.Parse(new System.Buffers.ReadOnlySequence<byte>("NATS/1.0 503\r\n\r\n"u8.ToArray())).Count);
    }

    /// <summary>The same bytes in two segments, as a socket read may leave them.</summary>
    private static System.Buffers.ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        var first = new Segment(bytes.AsMemory(0, at), 0);
        var second = first.Append(bytes.AsMemory(at));
        return new System.Buffers.ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex) => (Memory, RunningIndex) = (memory, runningIndex);

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Theory]
    [InlineData("bad name", "v")]
    [InlineData("colon:name", "v")]
    [InlineData("name", "two\r\nlines")]
    public void HeadersNatsCannotCarryAreAClearError(string name, string value)
    {
        var message = new Message { Topic = "t", Id = "1", Headers = ImmutableDictionary<string, string>.Empty.Add(name, value) };
        var error = Assert.Throws<MessageDeliveryException>(() => NatsWire.Encode(message));
        Assert.Contains("cannot travel over NATS", error.Message);
    }

    [Fact]
    public void AMessageFromAnotherClientWithoutOurHeadersGetsDefaults()
    {
        var message = NatsWire.Decode("a.b", headers: null, data: null);
        Assert.Equal(("a.b", "", ContentTypes.Bytes, 0), (message.Topic, message.Id, message.ContentType, message.Payload.Length));
    }

    [Fact]
    public void TopicsAndAddressesLiveInSeparateSubjectSpaces()
    {
        var subjects = new NatsSubjects("prod.ph");
        Assert.Equal("prod.ph.orders.*", subjects.Topic("orders.*"));
        Assert.Equal("prod.ph-to.billing.2", subjects.Address("billing/2"));
        Assert.Equal("orders.created", subjects.TopicOf("prod.ph.orders.created"));
        Assert.Null(subjects.TopicOf("prod.ph-to.billing"));
        Assert.Null(subjects.TopicOf("prod.phx.a"));
        Assert.Null(NatsSubjects.CheckPrefix("pluginhost"));
        Assert.NotNull(NatsSubjects.CheckPrefix("a.*"));
        Assert.NotNull(NatsSubjects.CheckPrefix("a..b"));
        Assert.NotNull(NatsSubjects.CheckPrefix("a b"));
        Assert.NotNull(NatsSubjects.CheckPrefix(""));
    }

    [Fact]
    public void PluginsCompeteInQueueGroupsAndHostSubscribersTakeTheirFirstPatternOnly()
    {
        var interest = new NatsInterest(new LocalInterest(
            [("worker", "work.item"), ("worker", "work.*"), ("host#1", "work.>"), ("host#1", "work.item")], ["worker", "worker/0"]),
            new NatsSubjects("p"));
        Assert.Contains(new NatsSubscriptionKey("p.work.item", "worker", "worker", "work.item"), interest.Wanted);
        Assert.Contains(new NatsSubscriptionKey("p.work.>", null, "host#1", "work.>"), interest.Wanted);
        Assert.Contains(new NatsSubscriptionKey("p-to.worker.0", "worker", "worker", null), interest.Wanted);
        Assert.Equal(6, interest.Wanted.Count);
        // The plugins served here, for Ph-Served; .NET subscribers are this host's own and never listed.
        Assert.Equal("worker", interest.ServedHere("work.item"));
        Assert.Null(interest.ServedHere("other"));
        Assert.True(interest.Delivers("host#1", "work.>", "work.item"));
        Assert.False(interest.Delivers("host#1", "work.item", "work.item"));
        Assert.False(interest.Delivers("nobody", "work.item", "work.item"));
    }

    [Fact]
    public void BadSettingsAreNamedByTheirKeys()
    {
        var options = new NatsOptions { Url = "http://x, nats://ok:4222", SubjectPrefix = "a.>", Password = "p", Token = "t", CredsFile = "/nonexistent.creds" };
        options.Tls.CertFile = "/nonexistent.pem";
        var result = new NatsOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var text = string.Join("\n", result.Failures!);
        Assert.Contains("PluginHost:Nats:Url 'http://x' is not a nats://", text);
        Assert.Contains("PluginHost:Nats:SubjectPrefix", text);
        Assert.Contains("PluginHost:Nats:Password is set without User", text);
        Assert.Contains("give one of User/Password, Token, CredsFile or NKeyFile, not 2", text);
        Assert.Contains("PluginHost:Nats:CredsFile '/nonexistent.creds' does not exist", text);
        Assert.Contains("CertFile and KeyFile go together", text);
        Assert.Equal(["http://x", "nats://ok:4222"], options.AllUrls());
        Assert.False(new NatsOptionsValidator().Validate(null, new NatsOptions()).Failed);
    }
}
