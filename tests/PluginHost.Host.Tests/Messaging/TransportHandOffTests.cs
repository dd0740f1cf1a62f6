using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

/// <summary>How a publish hands a message to the transport for other hosts: once, whatever the send's timing.</summary>
public sealed class TransportHandOffTests
{
    [Fact]
    public async Task ASendThatFinishesWhileThePublishLooksAtItIsNotSentAgain()
    {
        // Pending when first asked, done when asked again: what a NATS publish finishing on the writer thread at
        // that moment looks like. The broker once asked twice and, seeing it done, sent the message a second time.
        var transport = new RemoteOnlyTransport(() => new ValueTask(new DoneOnSecondLook(), 0));
        using var broker = new MessageBroker(new BrokerOptions(), NullLogger<MessageBroker>.Instance, transport);

        var result = broker.TryPublish(Text("data", "x"));
        if (result.Status == PublishStatus.Pending)
            await broker.PublishPendingAsync(result.Pending!);

        Assert.Equal(1, transport.Sends);
    }

    [Fact]
    public async Task ASendStillUnderWayIsAwaitedNotRepeated()
    {
        var handedOver = new TaskCompletionSource();
        var transport = new RemoteOnlyTransport(() => new ValueTask(handedOver.Task));
        using var broker = new MessageBroker(new BrokerOptions(), NullLogger<MessageBroker>.Instance, transport);

        var result = broker.TryPublish(Text("data", "x"));
        Assert.Equal(PublishStatus.Pending, result.Status);
        var finishing = broker.PublishPendingAsync(result.Pending!).AsTask();
        Assert.False(finishing.IsCompleted);
        handedOver.SetResult();
        await finishing.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, transport.Sends);
    }

    [Fact]
    public async Task ASendThatFailsLaterFailsThePublishNamingTheTransport()
    {
        var handedOver = new TaskCompletionSource();
        var transport = new RemoteOnlyTransport(() => new ValueTask(handedOver.Task));
        using var broker = new MessageBroker(new BrokerOptions(), NullLogger<MessageBroker>.Instance, transport);

        var result = broker.TryPublish(Text("data", "x"));
        var finishing = broker.PublishPendingAsync(result.Pending!).AsTask();
        handedOver.SetException(new MessageDeliveryException("the server went away"));

        var error = await Assert.ThrowsAsync<MessageDeliveryException>(() => finishing);
        Assert.Contains("transport 'remote-only'", error.Message);
        Assert.Contains("the server went away", error.Message);
        Assert.Equal(1, transport.Sends);
    }

    /// <summary>Every message has a remote receiver and none is local; counts the sends.</summary>
    private sealed class RemoteOnlyTransport(Func<ValueTask> send) : IMessageTransport
    {
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        public string Name => "remote-only";

        public bool TracksLocalInterest => false;

        public void Attach(ITransportInbound inbound)
        {
        }

        public void LocalInterestChanged(LocalInterest interest)
        {
        }

        public bool HasRemoteReceivers(Message message) => true;

        public bool IsDurable(Message message) => false;

        public ValueTask SendAsync(Message message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sends);
            return send();
        }

        public Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    /// <summary>A completion that reports itself pending the first time it is looked at and succeeded after.</summary>
    private sealed class DoneOnSecondLook : IValueTaskSource
    {
        private int _looks;

        public ValueTaskSourceStatus GetStatus(short token) =>
            Interlocked.Increment(ref _looks) == 1 ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            continuation(state);

        public void GetResult(short token)
        {
        }
    }
}
