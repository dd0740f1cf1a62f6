namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>
/// The interpreter's owning thread is threading's main thread on 3.12 and 3.13 alike (3.13 would otherwise name the
/// thread that initialised the runtime, leaving the owner a "Dummy-1").
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class MainThreadTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task TheOwningThreadIsTheMainThread()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var result = await interpreter.EvaluateAsync(
            "(lambda t: (t.current_thread().name, t.current_thread() is t.main_thread(), t.main_thread().ident == t.get_ident(), t.main_thread().native_id == t.get_native_id()))(__import__('threading'))");

        Assert.Equal(new object?[] { "MainThread", true, true, true }, (object?[])result!);
    }

    [Fact]
    public async Task AnotherThreadOfTheInterpreterSeesTheOwnerAsMain()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        await interpreter.RunAsync("""
            import threading
            owner = threading.get_ident()
            seen = []
            worker = threading.Thread(target=lambda: seen.append((threading.main_thread().ident == owner, threading.current_thread() is threading.main_thread())))
            worker.start()
            worker.join()
            """);

        Assert.Equal(new object?[] { true, false }, (object?[])(await interpreter.EvaluateAsync("seen[0]"))!);
    }

    [Fact]
    public async Task ThreadsMainThreadIsAliveWhileTheInterpreterRuns()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        Assert.Equal(true, await interpreter.EvaluateAsync("__import__('threading').main_thread().is_alive()"));
        Assert.Equal(false, await interpreter.EvaluateAsync("hasattr(__import__('_thread'), '_get_main_thread_ident') and __import__('_thread')._get_main_thread_ident() != __import__('_thread').get_ident()"));
    }
}
