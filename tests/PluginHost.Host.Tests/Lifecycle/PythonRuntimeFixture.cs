using PluginHost.Host.Lifecycle;
using PluginHost.Interpreter;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>CPython initialises once per process: every in-process test that needs it shares this runtime.</summary>
public sealed class PythonRuntimeFixture : IAsyncLifetime, IRuntimeAccess
{
    public PythonRuntime Runtime { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Runtime = PythonRuntime.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Runtime.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PythonCollection : ICollectionFixture<PythonRuntimeFixture>
{
    public const string Name = "python";
}
