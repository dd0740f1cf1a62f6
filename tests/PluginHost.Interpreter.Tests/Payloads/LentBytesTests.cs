using PluginHost.Interpreter.Payloads;
using PluginHost.Interpreter.Tests.Modules;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Payloads;

/// <summary>
/// A large exact <c>bytes</c> payload is lent by its sender, not copied (issue 14 item 6): receivers read the sender's
/// own object, which goes back to the sender's interpreter only when the last lease ends. Anything that can change
/// (bytearray, memoryview, a bytes subclass) is still copied at publish.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class LentBytesTests(PythonRuntimeFixture fixture)
{
    private const int Size = 256 * 1024;
    private static readonly byte[] Expected = [.. Enumerable.Range(0, Size).Select(i => (byte)i)];

    private sealed record Pair(SubInterpreter Sender, RecordingBinding SenderBinding, SubInterpreter Receiver, int HandlerId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Receiver.DisposeAsync();
            await Sender.DisposeAsync();
        }
    }

    private async Task<Pair> StartAsync()
    {
        var senderBinding = new RecordingBinding("sender", 0);
        var sender = await fixture.Runtime.CreateInterpreterAsync(binding: senderBinding);
        var receiverBinding = new RecordingBinding("receiver", 0);
        var receiver = await fixture.Runtime.CreateInterpreterAsync(binding: receiverBinding);
        await sender.RunAsync($"""
            import sys, pluginhost
            payload = bytes(range(256)) * {Size / 256}
            base = sys.getrefcount(payload)
            def refs():
                return sys.getrefcount(payload) - base
            """);
        await receiver.RunAsync($"""
            import pluginhost
            kept, views, payloads = [], [], []
            expected = bytes(range(256)) * {Size / 256}
            @pluginhost.on("big")
            def handle(message):
                kept.append(message)
                views.append(memoryview(message))
                payloads.append(message.payload)
            def check():
                return [type(p) is bytes and p == expected for p in payloads] + [v.readonly and v == expected for v in views] \
                    + [m.payload == expected for m in kept]
            """);
        return new Pair(sender, senderBinding, receiver, receiverBinding.Subscriptions["big"]);
    }

    private static async Task<long> SenderRefsAsync(Pair pair) => (long)(await pair.Sender.EvaluateAsync("refs()"))!;

    [Fact]
    public async Task TheSendersBytesAreLentAndGoBackWhenTheLastReaderIsDone()
    {
        await using var pair = await StartAsync();
        var leases = new List<PayloadLease?>();
        pair.SenderBinding.OnPublish = m =>
        {
            leases.Add(PayloadLease.Take(m));   // the broker's delivery
            return null;
        };

        await pair.Sender.RunAsync("pluginhost.publish('big', payload)");
        var message = Assert.Single(pair.SenderBinding.Published);
        Assert.True(PayloadLease.IsLent(message));
        Assert.Equal(1, await SenderRefsAsync(pair));   // not copied: the lease holds the sender's own object

        await MessagingTests.DeliverAsync(pair.Receiver, pair.HandlerId, message);
        leases.Single()!.Dispose();                      // the delivery's outcome; the receiver's Message keeps its own lease
        Assert.Equal(1, await SenderRefsAsync(pair));
        Assert.Equal([true, true, true], (object?[])(await pair.Receiver.EvaluateAsync("check()"))!);

        // The receiver lets go of its Message and view (its payload bytes is its own copy, still readable).
        await pair.Receiver.RunAsync("views[0].release(); del kept[:], views[:]");
        Assert.Equal(0, await SenderRefsAsync(pair));   // the decref was queued back to the sender and ran there
        Assert.Equal(true, await pair.Receiver.EvaluateAsync("payloads[0] == expected"));
    }

    [Fact]
    public async Task WhileLentTheSendersObjectIsOffItsMemoryFigureAndBackOnItAfter()
    {
        Assert.True(fixture.Runtime.LargeAllocationsTracked);
        await using var pair = await StartAsync();
        PayloadLease? delivery = null;
        pair.SenderBinding.OnPublish = m =>
        {
            delivery = PayloadLease.Take(m);
            return null;
        };
        var before = pair.Sender.LargeBytes!.Value;

        await pair.Sender.RunAsync("pluginhost.publish('big', payload)");
        var lent = pair.Sender.LargeBytes!.Value;
        delivery!.Dispose();
        Assert.Equal(0, await SenderRefsAsync(pair));   // the decref ran, the block charged back first
        var after = pair.Sender.LargeBytes!.Value;

        // Its receivers are charged with what they keep; a sender is not restarted for memory they hold.
        Assert.InRange(before - lent, Size, Size + (64 * 1024));
        Assert.InRange(after - lent, Size, Size + (64 * 1024));
    }

    [Fact]
    public async Task ReceiversStillReadALentPayloadAfterItsSendersInterpreterEnded()
    {
        await using var pair = await StartAsync();
        var deliveries = new List<PayloadLease>();
        pair.SenderBinding.OnPublish = m =>
        {
            deliveries.Add(PayloadLease.Take(m)!);   // as the broker's delivery does, before the sender lets go
            return null;
        };
        await pair.Sender.RunAsync("pluginhost.publish('big', payload); pluginhost.publish('big', payload[::-1])");
        var sent = pair.SenderBinding.Published.ToArray();
        await MessagingTests.DeliverAsync(pair.Receiver, pair.HandlerId, sent);
        deliveries.ForEach(d => d.Dispose());   // the deliveries' outcomes: the receiver's Messages and views hold the only leases

        await pair.Sender.DisposeAsync();   // its decrefs can no longer run: the objects must stay readable

        // The views read the sender's memory itself.
        Assert.Equal([true, true], (object?[])(await pair.Receiver.EvaluateAsync("[bytes(views[0]) == expected, bytes(views[1])[::-1] == expected]"))!);
        await pair.Receiver.RunAsync("views[0].release(); views[1].release(); views.clear(); kept.clear()");   // the last leases end
        Assert.Equal(true, await pair.Receiver.EvaluateAsync("payloads[0] == expected and payloads[1][::-1] == expected"));
    }

    [Fact]
    public async Task APayloadLetGoIsCopiedForItsUncountedReadersAndTheSendersObjectStillGoesBack()
    {
        await using var pair = await StartAsync();
        await pair.Sender.RunAsync("pluginhost.publish('big', payload)");   // nobody took a lease: it goes back at once
        Assert.Single(pair.SenderBinding.Published);   // (and must not be read any more)
        Assert.Equal(0, await SenderRefsAsync(pair));

        pair.SenderBinding.OnPublish = m =>
        {
            PayloadLease.Take(m)!.LetGo();   // a .NET subscriber: the broker cannot see when it is done
            return null;
        };
        await pair.Sender.RunAsync("pluginhost.publish('big', payload)");
        var kept = pair.SenderBinding.Published.Last();
        Assert.Equal(0, await SenderRefsAsync(pair));   // its reader has a copy of its own
        Assert.Equal(Size, kept.Payload.Length);
        Assert.True(kept.Payload.Span.SequenceEqual(Expected));
    }

    [Fact]
    public async Task WhatCanChangeIsCopiedAtPublishSoTheSendersLaterWritesAreNotSeen()
    {
        await using var pair = await StartAsync();
        var deliveries = new List<PayloadLease?>();
        pair.SenderBinding.OnPublish = m =>
        {
            deliveries.Add(PayloadLease.Take(m));   // as the broker's delivery does
            return null;
        };
        await pair.Sender.RunAsync($$"""
            class Bytes(bytes):
                pass
            mutable = bytearray(payload)
            pluginhost.publish("big", mutable)
            pluginhost.publish("big", memoryview(mutable))
            pluginhost.publish("big", Bytes(payload))
            mutable[:] = b"\xff" * len(mutable)
            """);
        var sent = pair.SenderBinding.Published.ToArray();
        Assert.Equal(3, sent.Length);
        Assert.All(sent, m => Assert.True(m.Payload.Span.SequenceEqual(Expected)));
        Assert.Equal(0, await SenderRefsAsync(pair));   // none of them holds the sender's object

        Assert.All(deliveries, d => Assert.NotNull(d));   // pooled copies, not plain arrays
        await MessagingTests.DeliverAsync(pair.Receiver, pair.HandlerId, sent);
        Assert.Equal(Enumerable.Repeat((object?)true, 9), (object?[])(await pair.Receiver.EvaluateAsync("check()"))!);
        deliveries.ForEach(d => d!.Dispose());
    }
}
