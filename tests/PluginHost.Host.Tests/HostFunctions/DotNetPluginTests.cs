using System.Text;
using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>
/// Real plugins with real .NET parts (tests/Fixtures, built into tests/Plugins/greeter-v*/dotnet/) in real
/// interpreters: the Python side calls its own host functions through pluginhost.call.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class DotNetPluginTests(PythonRuntimeFixture fixture)
{
    internal static string FixturePlugin(string name) => Repository.Path("tests", "Plugins", name);

    private static async Task<JsonElement> CallThrough(SupervisorHarness harness, string plugin, string function, string argument)
    {
        var request = new Message { Topic = function, Payload = Encoding.UTF8.GetBytes(argument), ContentType = ContentTypes.Text, To = plugin };
        var reply = await harness.Broker.RequestAsync(request, TimeSpan.FromSeconds(20));
        return JsonDocument.Parse(reply.Payload).RootElement.Clone();
    }

    private static async Task<SupervisorHarness> StartGreeters(PythonRuntimeFixture fixture, Action<SupervisorHarness>? more = null)
    {
        var harness = new SupervisorHarness(fixture);
        more?.Invoke(harness);
        harness.Options.Plugins["greeter-v1"] = new PluginOptions { Path = FixturePlugin("greeter-v1") };
        harness.Options.Plugins["greeter-v2"] = new PluginOptions { Path = FixturePlugin("greeter-v2") };
        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("greeter-v1").State);
        Assert.Equal(PluginState.Running, harness.Status("greeter-v2").State);
        return harness;
    }

    [Fact]
    public async Task TwoPluginsCarryDifferentVersionsOfOneDependency()
    {
        await using var harness = await StartGreeters(fixture);

        var v1 = (await CallThrough(harness, "greeter-v1", "greet", "Ada")).GetProperty("result");
        var v2 = (await CallThrough(harness, "greeter-v2", "greet", "Ada")).GetProperty("result");

        Assert.Equal(("Hello, Ada.", "1.0.0.0"), (v1.GetProperty("text").GetString(), v1.GetProperty("version").GetString()));
        Assert.Equal(("Hi Ada! (2.0)", "2.0.0.0"), (v2.GetProperty("text").GetString(), v2.GetProperty("version").GetString()));
        Assert.Equal(("Fixture.Greeter", "Fixture.Greeter"), (v1.GetProperty("loadContext").GetString(), v2.GetProperty("loadContext").GetString()));
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Greeting"
            && System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(a) == System.Runtime.Loader.AssemblyLoadContext.Default);
    }

    [Fact]
    public async Task ADotNetExceptionArrivesInPythonWithItsMessage()
    {
        await using var harness = await StartGreeters(fixture);

        var reply = await CallThrough(harness, "greeter-v1", "fail", "Bob");

        Assert.Equal("HostFunctionError", reply.GetProperty("error").GetString());
        Assert.Equal("cannot greet 'Bob'", reply.GetProperty("message").GetString());
        Assert.Contains(harness.Logs.Records, r => r.EventId == LogEvents.HostFunctionFailed && r.Message.Contains("greeter-v1") && r.Message.Contains("fail"));
        Assert.Equal("Hello, Eve.", (await CallThrough(harness, "greeter-v1", "greet", "Eve")).GetProperty("result").GetProperty("text").GetString());
    }

    [Fact]
    public async Task APluginsFunctionsKnowTheirCallerAndAreNotSharedWithOtherPlugins()
    {
        await using var harness = await StartGreeters(fixture, h => h.Plugin("outsider", """
            import pluginhost
            def on_message(message):
                try:
                    return {"result": pluginhost.call(message.topic, message.payload)}
                except Exception as e:
                    return {"error": type(e).__name__, "message": str(e)}
            """, extraManifest: """ "capabilities": ["host:*"] """));

        var own = await CallThrough(harness, "greeter-v2", "whoami", "");
        var other = await CallThrough(harness, "outsider", "greet", "x");

        Assert.Equal("greeter-v2/0", own.GetProperty("result").GetString());
        Assert.Equal("KeyError", other.GetProperty("error").GetString());
        Assert.Contains("no host function 'greet' for plugin 'outsider'", other.GetProperty("message").GetString());
    }
}
