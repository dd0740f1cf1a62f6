using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Cli;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Tests.HostFunctions;
using PluginHost.Host.Tests.Manifest;
using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Cli;

/// <summary>validate loads a plugin's dotnet/ folder the way the host will, and says why it cannot.</summary>
public sealed class DotNetCheckTests : IDisposable
{
    private static readonly HostFunctionRegistry Registry = new([new HostInfoFunctions()], NullLoggerFactory.Instance);

    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private static PluginManifest Manifest(string name) => new() { Name = name, Version = "1.0.0", Entry = "main" };

    [Fact]
    public void APluginWithLoadableAssembliesOrNoneIsValid()
    {
        Assert.Null(DotNetCheck.Run(Registry, Manifest("greeter-v1"), DotNetPluginTests.FixturePlugin("greeter-v1")));
        Assert.Null(DotNetCheck.Run(Registry, Manifest("plain"), _folders.ValidPlugin("plain", "plain")));
    }

    [Fact]
    public void AnEmptyDotnetFolderIsAnErrorSayingWhatToDo()
    {
        var folder = _folders.ValidPlugin("empty", "empty");
        Directory.CreateDirectory(Path.Combine(folder, "dotnet"));

        Assert.Equal("its .NET part cannot be loaded: dotnet/ holds no assembly: build the plugin's .NET project into it",
            DotNetCheck.Run(Registry, Manifest("empty"), folder));
    }
}
