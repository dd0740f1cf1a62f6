using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.HostFunctions;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>A plugin's dotnet/ folder in its own load context, without Python.</summary>
public sealed class PluginAssembliesTests
{
    private static readonly HostFunctionRegistry Registry = new([], NullLoggerFactory.Instance);

    [Fact]
    public void APluginWithoutADotnetFolderHasNoAssemblies() =>
        Assert.Null(Registry.LoadPlugin("plain", Path.GetTempPath()));

    [Fact]
    public void EachPluginGetsItsOwnCollectibleLoadContextSharingOnlyTheSdk()
    {
        using var v1 = Registry.LoadPlugin("greeter-v1", DotNetPluginTests.FixturePlugin("greeter-v1"))!;
        using var v2 = Registry.LoadPlugin("greeter-v2", DotNetPluginTests.FixturePlugin("greeter-v2"))!;

        var context1 = AssemblyLoadContext.GetLoadContext(v1.MainAssembly)!;
        var context2 = AssemblyLoadContext.GetLoadContext(v2.MainAssembly)!;
        Assert.NotSame(context1, context2);
        Assert.True(context1.IsCollectible && v1.IsUnloadable);
        Assert.Equal(["fail", "greet", "whoami"], v1.Functions.Names);
        var sdk = v1.MainAssembly.GetReferencedAssemblies().Single(a => a.Name == "PluginHost.Sdk");
        Assert.Same(typeof(IHostFunctions).Assembly, context1.LoadFromAssemblyName(sdk));
        Assert.NotEqual(
            context1.LoadFromAssemblyName(new("Greeting")).GetName().Version,
            context2.LoadFromAssemblyName(new("Greeting")).GetName().Version);
    }

    [Fact]
    public void APluginsAssembliesUnloadWhenReleased()
    {
        var context = LoadCallAndRelease();

        // System.Text.Json's process-wide accessor cache holds the plugin's result type until an entry idle for a
        // second is evicted, which happens on a later serialization: serialize something (a fresh type each time)
        // until the context is gone, within a generous bound; no timing is asserted.
        for (var i = 0; i < 100 && context.IsAlive; i++)
        {
            Thread.Sleep(100);
            System.Text.Json.JsonSerializer.Serialize(new { Round = i }, new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(context.IsAlive);
    }

    // Not inlined and not async, so that no reference into the load context stays on this test's stack or in a state machine.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadCallAndRelease()
    {
        var assemblies = Registry.LoadPlugin("greeter-v1", DotNetPluginTests.FixturePlugin("greeter-v1"))!;
        Assert.True(assemblies.Functions.TryGet("greet", out var greet));
        var result = greet.InvokeAsync(new HostCall("greeter-v1", 0, "greet"), new HostPayload(Encoding.UTF8.GetBytes("Ann"), ContentTypes.Text), default).AsTask().GetAwaiter().GetResult();
        Assert.Contains("Hello, Ann.", Encoding.UTF8.GetString(result.Bytes.Span));
        var context = new WeakReference(AssemblyLoadContext.GetLoadContext(assemblies.MainAssembly));
        assemblies.Dispose();
        return context;
    }
}
