using System.Runtime.Loader;
using Greeting;
using PluginHost.Sdk.HostFunctions;

namespace Fixture.GreeterPlugin;

/// <summary>Host functions of the greeter test plugins: which Greeting they see, an exception, an async wait.</summary>
public sealed class GreeterFunctions : IHostFunctions
{
    [HostFunction("greet")]
    public GreetResult Greet(string name) => new(
        Greeter.Hello(name),
        typeof(Greeter).Assembly.GetName().Version!.ToString(),
        AssemblyLoadContext.GetLoadContext(typeof(Greeter).Assembly)?.Name ?? "");

    [HostFunction("fail")]
    public string Fail(string text) => throw new InvalidOperationException($"cannot greet '{text}'");

    [HostFunction("whoami")]
    public string WhoAmI(HostCall call) => $"{call.Plugin}/{call.Instance}";

    public sealed record GreetResult(string Text, string Version, string LoadContext);
}
