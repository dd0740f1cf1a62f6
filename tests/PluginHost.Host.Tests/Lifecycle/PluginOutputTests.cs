using PluginHost.Host.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Issue #12, item 7: what one plugin writes, the host holds and logs in bounded lines — a 50 MB print without a
/// newline or a 5 MB logging record is cut with a marker — while the plugin and its neighbours keep running.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class PluginOutputTests(PythonRuntimeFixture fixture)
{
    private const string Marker = " more characters dropped: a line of output or logging record is cut at 65536 characters]";

    private static Message Request(string to, string json = "null") => JsonMessage("test", json, to);

    [Fact]
    public async Task HugeOutputIsCutToBoundedLinesWithAMarkerAndEveryoneKeepsRunning()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Plugin("shouter", """
            import sys, logging
            def setup(ctx):
                print("x" * 50_000_000, end="")
                print("y" * 10)
                logging.getLogger("big").warning("z" * 5_000_000)
                print("after")
                sys.stderr.write("e" * 50_000_000)   # never ended: logged, cut, when the instance stops
            def on_message(message):
                print("o" * 100_000, end="")
                return "still here"
            """);
        harness.Plugin("neighbour", "def on_message(message):\n    return {'echo': message.payload}\n");
        await harness.StartAsync();

        Assert.Equal("still here", TextOf(await harness.Broker.RequestAsync(Request("shouter"), TimeSpan.FromSeconds(30))));
        Assert.Equal("{\"echo\":3}", TextOf(await harness.Broker.RequestAsync(Request("neighbour", "3"), TimeSpan.FromSeconds(10))));
        Assert.Equal(PluginState.Running, harness.Status("shouter").State);
        await harness.DisposeAsync();

        var lines = harness.Logs.For("PluginHost.Plugins.shouter").ToList();
        Assert.Equal(new string('x', 65536) + "… [" + (50_000_010 - 65536) + Marker, lines[0].Message);
        Assert.Equal("[big] " + new string('z', 65536) + "… [" + (5_000_000 - 65536) + Marker, lines[1].Message);
        Assert.Equal("after", lines[2].Message);
        // Left unfinished at stop: stderr's 50 MB, then stdout's 100,000 characters; each held to the limit meanwhile.
        Assert.Contains(lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message == new string('e', 65536) + "… [" + (50_000_000 - 65536) + Marker);
        Assert.Contains(lines, l => l.Message == new string('o', 65536) + "… [" + (100_000 - 65536) + Marker);
        Assert.All(lines, l => Assert.True(l.Message.Length < 65536 + 200));
    }
}
