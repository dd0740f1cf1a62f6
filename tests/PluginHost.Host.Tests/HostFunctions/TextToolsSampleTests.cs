using System.Text;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>The bundled text-tools sample (plugins/text-tools): Python in front, its own .NET functions behind.</summary>
[Collection(PythonCollection.Name)]
public sealed class TextToolsSampleTests(PythonRuntimeFixture fixture)
{
    private static readonly string Folder = Repository.Path("plugins", "text-tools");

    [Fact]
    public async Task AnyoneCanAskTextToolsForWordStatistics()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.HostFunctions.Add(new HostInfoFunctions());
        harness.Options.Plugins["text-tools"] = new PluginOptions { Path = Folder };
        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("text-tools").State);

        var request = new Message { Topic = "text.stats", Payload = Encoding.UTF8.GetBytes("The cat sat. The cat ran!\nA dog."), ContentType = ContentTypes.Text };
        using var reply = JsonDocument.Parse((await harness.Broker.RequestAsync(request, TimeSpan.FromSeconds(20))).Payload);
        var slug = await harness.Broker.RequestAsync(
            new Message { Topic = "text.stats", Payload = """{"slug": "Sales Report — Q3!"}"""u8.ToArray(), ContentType = ContentTypes.Json }, TimeSpan.FromSeconds(20));

        var stats = reply.RootElement;
        Assert.Equal((8, 6, 3, 2), (stats.GetProperty("words").GetInt32(), stats.GetProperty("distinctWords").GetInt32(),
            stats.GetProperty("sentences").GetInt32(), stats.GetProperty("lines").GetInt32()));
        Assert.Equal("""[{"word":"cat","count":2},{"word":"the","count":2},{"word":"a","count":1},{"word":"dog","count":1},{"word":"ran","count":1}]""",
            stats.GetProperty("top").GetRawText());
        Assert.Equal("sales-report-q3", TextOf(slug));
        Assert.Contains(harness.PluginMessages("text-tools"), m => m.Contains("text-tools ready on .NET"));
    }
}
