namespace PluginHost.Host.Tests.Nats;

/// <summary>What every scale-out test has: its own nats-server, and the hosts it starts on it, all stopped at the end.</summary>
public abstract class NatsTestBase : IDisposable
{
    /// <param name="serverArgs">More nats-server options (e.g. <c>-c file</c>).</param>
    private protected NatsTestBase(params string[] serverArgs) : this(jetStream: false, serverArgs)
    {
    }

    /// <param name="jetStream">With JetStream, in a temporary store that survives the server's restarts.</param>
    private protected NatsTestBase(bool jetStream, params string[] serverArgs) => Server = NatsServer.Start(jetStream, serverArgs);

    private protected NatsServer Server { get; }

    private protected NatsHosts Hosts { get; } = new();

    /// <summary>Polls <paramref name="condition"/> for up to 30 s; a <see cref="TimeoutException"/> naming <paramref name="what"/> after.</summary>
    private protected static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        Hosts.Dispose();
        Server.Dispose();
    }
}
