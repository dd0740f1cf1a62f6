using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Payloads;

/// <summary>The lease rules on pooled buffers: returned once, after the last lease; never once let go.</summary>
public sealed class PooledPayloadTests
{
    private static Message With(PooledPayload payload) => new() { Topic = "t", Payload = payload.Memory };

    [Fact]
    public void TheLastLeaseReturnsTheBufferAndTheNextRentReusesIt()
    {
        var pool = new PayloadPool();
        var first = pool.Rent(100_000);
        var message = With(first);
        var delivery = PayloadLease.Take(message)!;
        LeasedPayload.Release(message);          // the sender's own reference
        Assert.Equal(0, pool.RetainedBytes);     // the delivery still holds it

        delivery.Dispose();                      // the delivery's outcome
        Assert.Equal(128 * 1024, pool.RetainedBytes);

        var second = pool.Rent(70_000);          // same size class (128 KiB)
        Assert.Equal(1, pool.Reused);
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(70_000, second.Memory.Length);
    }

    [Fact]
    public void ALeaseEndsOnceHoweverOftenItIsDisposed()
    {
        var pool = new PayloadPool();
        var message = With(pool.Rent(100_000));
        var a = PayloadLease.Take(message)!;
        var b = PayloadLease.Take(message)!;
        LeasedPayload.Release(message);          // the sender
        a.Dispose();
        a.Dispose();                             // a second end of the same lease must not stand for b's
        a.LetGo();
        Assert.Equal(0, pool.RetainedBytes);     // b still reads it

        b.Dispose();
        Assert.Equal(128 * 1024, pool.RetainedBytes);
    }

    [Fact]
    public void ALetGoPayloadIsNeverReturned()
    {
        var pool = new PayloadPool();
        var message = With(pool.Rent(PayloadPool.MinimumSize));
        var delivery = PayloadLease.Take(message)!;
        var subscriber = PayloadLease.Take(message)!;
        subscriber.LetGo();
        delivery.Dispose();
        LeasedPayload.Release(message);
        LeasedPayload.Release(message);          // even too many releases cannot bring it back
        Assert.Null(PayloadLease.Take(message)); // nothing left to count
        Assert.Equal(0, pool.RetainedBytes);
        pool.Rent(PayloadPool.MinimumSize);
        Assert.Equal(0, pool.Reused);
    }

    [Fact]
    public void APayloadAlreadyGivenBackCannotBeLeasedAgain()
    {
        var pool = new PayloadPool();
        var message = With(pool.Rent(100_000));
        LeasedPayload.Release(message);          // the sender, and nobody else held it: back in the pool
        Assert.Throws<InvalidOperationException>(() => PayloadLease.Take(message));
        Assert.Equal(128 * 1024, pool.RetainedBytes);
    }

    [Fact]
    public void PlainArraysNeedNoLease()
    {
        var message = new Message { Topic = "t", Payload = new byte[100_000] };
        Assert.Null(PayloadLease.Take(message));
        Assert.False(PayloadLease.IsLent(message));
        Assert.False(LeasedPayload.TryGet(message, out _));
    }

    [Fact]
    public void ReturnsBeyondTheRetainLimitAreLeftToTheGc()
    {
        var pool = new PayloadPool(retainLimit: 200_000);
        var messages = Enumerable.Range(0, 3).Select(_ => With(pool.Rent(100_000))).ToList();
        foreach (var message in messages)
            LeasedPayload.Release(message);
        Assert.Equal(128 * 1024, pool.RetainedBytes);   // one fits under 200,000 bytes, two would not
    }
}
