using PluginHost.Interpreter;

namespace PluginHost.Tests.Shared;

/// <summary>
/// CPython initialises once per process: every in-process test that needs it shares this runtime. Linked into each
/// test project; a project may add interfaces in a partial declaration of its own.
/// </summary>
public sealed partial class PythonRuntimeFixture : IAsyncLifetime
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
