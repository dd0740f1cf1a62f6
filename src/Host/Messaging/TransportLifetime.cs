using Microsoft.Extensions.Hosting;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Starts and stops the transport when it has a lifetime of its own (a NATS connection). Registered with the broker,
/// before the plugins' services: connected before any plugin starts, disconnected after the last stopped.
/// </summary>
internal sealed class TransportLifetime(IMessageTransport transport) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        transport is IHostedService hosted ? hosted.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        transport is IHostedService hosted ? hosted.StopAsync(cancellationToken) : Task.CompletedTask;
}
