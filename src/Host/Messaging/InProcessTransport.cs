using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>The embedded default: this process is the whole system, so there are no remote peers and nothing to send.</summary>
internal sealed class InProcessTransport : IMessageTransport
{
    public string Name => "in-process";

    public void Attach(ITransportInbound inbound)
    {
    }

    public bool TracksLocalInterest => false;

    public void LocalInterestChanged(LocalInterest interest)
    {
    }

    public bool HasRemoteReceivers(Message message) => false;

    public bool IsDurable(Message message) => false;

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The in-process transport has no remote peers to send to.");

    public Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The in-process transport has no remote peers to send to.");
}
