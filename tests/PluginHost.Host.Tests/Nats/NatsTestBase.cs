namespace PluginHost.Host.Tests.Nats;

/// <summary>What every scale-out test has: its own nats-server, and the hosts it starts on it, all stopped at the end.</summary>
public abstract class NatsTestBase : IDisposable
{
    /// <param name="serverArgs">More nats-server options (e.g. <c>-c file</c>).</param>
    private protected NatsTestBase(params string[] serverArgs) => Server = NatsServer.Start(jetStream: false, serverArgs);

    private protected NatsServer Server { get; }

    private protected NatsHosts Hosts { get; } = new();

    public void Dispose()
    {
        Hosts.Dispose();
        Server.Dispose();
    }
}
