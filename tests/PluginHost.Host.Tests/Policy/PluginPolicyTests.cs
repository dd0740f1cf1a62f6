using System.Collections.Concurrent;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Policy;

/// <summary>Real plugins under their policies in the real supervisor: denials are local, logged and counted.</summary>
[Collection(PythonCollection.Name)]
public sealed class PluginPolicyTests(PythonRuntimeFixture fixture)
{
    private static readonly string Misbehaving = Repository.Path("tests", "Plugins", "misbehaving");

    private static Message Request(string to, string json = "null") => JsonMessage("test", json, to);

    [Fact]
    public async Task ADeniedCallIsAPermissionErrorInThePluginAndAWarningInTheHost()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("wanderer", """
            import os, logging
            def setup(ctx):
                try:
                    os.chdir("/")
                except PermissionError as e:
                    logging.getLogger("w").info("refused: %s", e)
            """);

        await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("wanderer").State);
        Assert.Contains(harness.PluginMessages("wanderer"), m => m.StartsWith("[w] refused: os.chdir('/') denied", StringComparison.Ordinal)
            && m.Contains("Plugin 'wanderer' needs the capability 'cwd' (add \"cwd\" to \"capabilities\" in plugin.json, or grant it with PluginHost:Plugins:wanderer:Capabilities)"));
        var warning = Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenied);
        Assert.Equal("Plugin wanderer instance 0 was denied os.chdir (cwd): " + warning.Message.Split(": ", 2)[1], warning.Message);
    }

    [Fact]
    public async Task RepeatedDenialsAreCountedAndSummarisedNotFlooded()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Plugin("looper", """
            import os
            def setup(ctx):
                for _ in range(1000):
                    try:
                        os.chdir("/")
                    except PermissionError:
                        pass
            """);
        await harness.StartAsync();

        await harness.DisposeAsync();

        Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenied);
        var summary = Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenialSummary);
        Assert.Equal("Plugin looper instance 0 was denied 1000 calls while it ran: os.chdir ×1000", summary.Message);
    }

    [Fact]
    public async Task TheManifestGrantsCapabilities()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("resolver", """
            import socket, logging
            def setup(ctx):
                socket.getaddrinfo("localhost", 80)
                logging.getLogger("r").info("resolved")
            """, "\"capabilities\": [\"network\"]");

        await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("resolver").State);
        Assert.Contains("[r] resolved", harness.PluginMessages("resolver"));
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PolicyGranted && r.Message == "Plugin resolver instance 0 runs with capabilities: network");
    }

    [Fact]
    public async Task ConfigurationReplacesTheManifestsCapabilities()
    {
        await using var harness = new SupervisorHarness(fixture);
        const string Source = "import socket\ndef setup(ctx):\n    socket.getaddrinfo('localhost', 80)\n";
        harness.Plugin("granted", Source);
        harness.Plugin("revoked", Source, "\"capabilities\": [\"network\"]");
        harness.Options.Plugins["granted"] = new PluginOptions { Capabilities = ["network"] };
        harness.Options.Plugins["revoked"] = new PluginOptions { Capabilities = [""] };

        await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("granted").State);
        var revoked = harness.Status("revoked");
        Assert.Equal(PluginState.Failed, revoked.State);
        Assert.Contains("socket.getaddrinfo('localhost') denied", revoked.Error);
        Assert.Contains("add \"network\" to PluginHost:Plugins:revoked:Capabilities, which replaces plugin.json's list for this host", revoked.Error);
    }

    [Fact]
    public async Task AnUnknownConfiguredCapabilityFailsThatPluginOnly()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("typo", "");
        harness.Plugin("fine", "");
        harness.Options.Plugins["typo"] = new PluginOptions { Capabilities = ["netwrok"] };

        await harness.StartAsync();

        Assert.Equal(PluginState.Running, harness.Status("fine").State);
        var typo = harness.Status("typo");
        Assert.Equal(PluginState.Failed, typo.State);
        Assert.StartsWith("PluginHost:Plugins:typo:Capabilities: unknown capability 'netwrok'", typo.Error);
    }

    [Fact]
    public async Task SysExitInAHandlerStopsThatPluginOnly()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("quitter", "import sys\ndef on_message(message):\n    sys.exit()\n");
        harness.Plugin("steady", "def on_message(message):\n    return {'echo': message.payload}\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(Request("quitter"));

        await Until(() => harness.Status("quitter").State == PluginState.Stopped, 20);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginExitRequested && r.Message == "Plugin quitter instance 0 called sys.exit(None): stopping this instance only; the host and other plugins keep running");
        var reply = await harness.Broker.RequestAsync(Request("steady", "7"), TimeSpan.FromSeconds(10));
        Assert.Equal("""{"echo":7}""", TextOf(reply));
        Assert.Equal(PluginState.Running, harness.Status("steady").State);
    }

    [Fact]
    public async Task SysExitWithAnErrorCodeInAHandlerLeavesThePluginFailed()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("crasher", "import sys\ndef on_message(message):\n    sys.exit(4)\n");
        await harness.StartAsync();

        await harness.Broker.PublishAsync(Request("crasher"));

        await Until(() => harness.Status("crasher").State == PluginState.Failed, 20);
        Assert.Contains("SystemExit: 4", harness.Status("crasher").Error);
    }

    [Fact]
    public async Task SysExitZeroInSetupIsACleanStop()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("declines", "import sys\ndef setup(ctx):\n    sys.exit(0)\n");

        await harness.StartAsync();

        var status = harness.Status("declines");
        Assert.Equal(PluginState.Stopped, status.State);
        Assert.Null(status.Error);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PluginExitRequested && r.Message.Contains("called sys.exit(0)"));
    }

    private static int Rounds(SupervisorHarness harness)
    {
        using var stats = JsonDocument.Parse(TextOf(harness.Broker.RequestAsync(Request("misbehaving"), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult()));
        return stats.RootElement.GetProperty("rounds").GetInt32();
    }

    [Fact]
    public async Task AMisbehavingPluginDoesNotDisturbAnotherPluginsMessages()
    {
        var cwd = Environment.CurrentDirectory;
        var harness = new SupervisorHarness(fixture);
        harness.Options.Plugins["misbehaving"] = new PluginOptions { Path = Misbehaving };
        harness.Plugin("counter", """
            handled = 0
            def on_message(message):
                global handled
                handled += 1
                return {"n": message.payload, "handled": handled}
            """);
        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("misbehaving").State);

        // Once misbehaving has gone through every attempt at least once (a round takes a while: it waits on sockets)...
        await Until(() => Rounds(harness) > 0, 60);

        // ...and while it keeps trying everything on its own thread, counter answers every request, in order.
        var replies = new List<string>();
        for (var i = 0; i < 200; i++)
            replies.Add(TextOf(await harness.Broker.RequestAsync(Request("counter", i.ToString()), TimeSpan.FromSeconds(10))));
        using var stats = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(Request("misbehaving"), TimeSpan.FromSeconds(10))));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $$"""{"n":{{i}},"handled":{{i + 1}}}"""), replies);
        Assert.True(stats.RootElement.GetProperty("rounds").GetInt32() > 0);
        Assert.Empty(stats.RootElement.GetProperty("unexpected").EnumerateArray());
        Assert.Equal(24, stats.RootElement.GetProperty("refused").GetArrayLength());
        Assert.Equal(PluginState.Running, harness.Status("misbehaving").State);
        Assert.Equal(cwd, Environment.CurrentDirectory);
        Assert.False(File.Exists("/tmp/pluginhost-misbehaving.txt"));

        await harness.DisposeAsync();

        Assert.Equal(PluginState.Stopped, harness.Status("misbehaving").State);
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.PolicyDenialSummary && r.Message.StartsWith("Plugin misbehaving instance 0 was denied", StringComparison.Ordinal));
    }
}
