using System.Collections.Immutable;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// A plugin that stops cleanly (<c>sys.exit(0)</c>) at its first message with 19 more queued: what a stop leaves
/// undelivered (the first is dead-lettered, the rest dropped), for the tests of the undelivered-message file.
/// </summary>
internal static class QuitterPlugin
{
    public const string Name = "quitter";

    /// <summary>Starts it with retries off, publishes 20 messages on "work" (header "n" = their index) and waits for its stop.</summary>
    public static async Task StopWithQueuedMessagesAsync(SupervisorHarness harness)
    {
        harness.BrokerOptions.MaxRetries = 0;
        harness.Plugin(Name, """
            import sys, pluginhost
            @pluginhost.on("work")
            def handle(message):
                sys.exit(0)                  # a clean stop: what is still queued is not handled
            """);
        await harness.StartAsync();
        for (var i = 0; i < 20; i++)
            await harness.Broker.PublishAsync(JsonMessage("work", i.ToString()) with { Headers = ImmutableDictionary<string, string>.Empty.Add("n", i.ToString()) });
        await Until(() => harness.Status(Name).State == PluginState.Stopped, 20);
    }
}
