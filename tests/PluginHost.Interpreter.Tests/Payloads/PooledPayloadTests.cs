using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Payloads;

public sealed class PooledPayloadTests
{
    private static Message With(PooledPayload payload) => new() { Topic = "t", Payload = payload.Memory };

    [Fact]
    public void TheLastReleaseReturnsTheBufferAndTheNextRentReusesIt()
    {
        var pool = new PayloadPool();
        var first = pool.Rent(100_000);
        var message = With(first);
        PooledPayload.Retain(message);           // a delivery
        PooledPayload.Release(message);          // the sender
        Assert.Equal(0, pool.RetainedBytes);     // the delivery still holds it

        PooledPayload.Release(message);          // the delivery's outcome
        Assert.Equal(128 * 1024, pool.RetainedBytes);

        var second = pool.Rent(70_000);          // same size class (128 KiB)
        Assert.Equal(1, pool.Reused);
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(70_000, second.Memory.Length);
    }

    [Fact]
    public void AnEscapedPayloadIsNeverReturned()
    {
        var pool = new PayloadPool();
        var message = With(pool.Rent(PayloadPool.MinimumSize));
        PooledPayload.Retain(message);
        PooledPayload.Escape(message);
        PooledPayload.Release(message);
        PooledPayload.Release(message);
        PooledPayload.Release(message);          // even too many releases cannot bring it back

        Assert.Equal(0, pool.RetainedBytes);
        pool.Rent(PayloadPool.MinimumSize);
        Assert.Equal(0, pool.Reused);
    }

    [Fact]
    public void PlainArraysAreUntouched()
    {
        var message = new Message { Topic = "t", Payload = new byte[10] };
        PooledPayload.Retain(message);
        PooledPayload.Release(message);
        PooledPayload.Escape(message);
        Assert.False(PooledPayload.TryGet(message, out _));
    }

    [Fact]
    public void ReturnsBeyondTheRetainLimitAreLeftToTheGc()
    {
        var pool = new PayloadPool(retainLimit: 200_000);
        var messages = Enumerable.Range(0, 3).Select(_ => With(pool.Rent(100_000))).ToList();
        foreach (var message in messages)
            PooledPayload.Release(message);
        Assert.Equal(128 * 1024, pool.RetainedBytes);   // one fits under 200,000 bytes, two would not
    }
}
