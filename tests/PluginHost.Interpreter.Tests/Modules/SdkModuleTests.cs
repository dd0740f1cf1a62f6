using System.Runtime.CompilerServices;

namespace PluginHost.Interpreter.Tests.Modules;

[Collection(PythonCollection.Name)]
public sealed class SdkModuleTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task EachInterpreterGetsItsOwnModuleAndTypeObjects()
    {
        await using var a = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("a", 0));
        await using var b = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("b", 0));
        const string ids = "(lambda m: (id(m), id(m.Context), id(m.Stream), id(m.context())))(__import__('pluginhost'))";

        var idsA = (object?[])(await a.EvaluateAsync(ids))!;
        var idsB = (object?[])(await b.EvaluateAsync(ids))!;

        for (var i = 0; i < idsA.Length; i++)
            Assert.NotEqual(idsA[i], idsB[i]);
        await a.RunAsync("import pluginhost\ntry:\n    pluginhost.Context.x = 1\nexcept TypeError:\n    pass");
        Assert.Equal(false, await b.EvaluateAsync("hasattr(__import__('pluginhost').Context, 'x')"));
    }

    [Fact]
    public async Task TypesAreImmutableHeapTypesOfTheModule()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("p", 0));

        Assert.Equal(true, await interpreter.EvaluateAsync("bool(__import__('pluginhost').Context.__flags__ & (1 << 9))"));   // Py_TPFLAGS_HEAPTYPE
        Assert.Equal("pluginhost", await interpreter.EvaluateAsync("__import__('pluginhost').Context.__module__"));
        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.Context()"));
        Assert.Equal("TypeError", error.PythonType);
    }

    [Fact]
    public async Task ContextCarriesNameInstanceAndSettings()
    {
        var settings = new Dictionary<string, object?> { ["threshold"] = 3L, ["labels"] = new List<object?> { "x", "y" } };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("weather", 2, settings));

        var result = await interpreter.EvaluateAsync("(lambda c: (c.name, c.instance, c.settings))(__import__('pluginhost').context())");

        var values = (object?[])result!;
        Assert.Equal("weather", values[0]);
        Assert.Equal(2L, values[1]);
        var seen = (Dictionary<string, object?>)values[2]!;
        Assert.Equal(3L, seen["threshold"]);
        Assert.Equal(new object?[] { "x", "y" }, seen["labels"]);
    }

    [Fact]
    public async Task LogAndStreamsReachTheBinding()
    {
        var binding = new RecordingBinding("p", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("""
            import pluginhost
            pluginhost.log(30, 'careful', 'p.sub')
            pluginhost.context().log(20, 'hello')
            pluginhost.stdout.write('out text')
            print('printed', file=pluginhost.stderr)
            """);

        Assert.Contains((30, "p.sub", "careful"), binding.Records);
        Assert.Contains((20, "", "hello"), binding.Records);
        Assert.Contains((false, "out text"), binding.Output);
        Assert.Equal("printed\n", string.Concat(binding.Output.Where(o => o.Error).Select(o => o.Text)));
    }

    [Fact]
    public async Task BadArgumentsRaiseTypeErrorInPython()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("p", 0));

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.stdout.write(b'bytes')"));

        Assert.Equal("TypeError", error.PythonType);
        Assert.Contains("str", error.PythonMessage);
        Assert.Equal(1L, await interpreter.EvaluateAsync("1"));
    }

    [Fact]
    public async Task UnboundInterpreterCanImportButNotLog()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        Assert.Null(await interpreter.EvaluateAsync("__import__('pluginhost').context().name"));
        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.log(20, 'x')"));
        Assert.Equal("RuntimeError", error.PythonType);
        Assert.Contains("not bound", error.PythonMessage);
    }

    [Fact]
    public async Task ReimportedModuleIsExecutedAgainAndStillBound()
    {
        var binding = new RecordingBinding("p", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("""
            import sys, gc, pluginhost
            del sys.modules['pluginhost'], pluginhost
            gc.collect()
            import pluginhost
            pluginhost.log(20, 'after reimport')
            """);

        Assert.Contains((20, "", "after reimport"), binding.Records);
    }

    [Fact]
    public async Task CyclesThroughModuleStateAreCollected()
    {
        // module -> state.Context -> settings -> module: only traverse through the module state and the Context lets
        // the collector see this cycle.
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("p", 0));

        await interpreter.RunAsync("""
            import sys, gc, weakref, pluginhost
            pluginhost.context().settings['module'] = pluginhost
            module_ref = weakref.ref(pluginhost)
            del sys.modules['pluginhost'], pluginhost
            gc.collect()
            """);

        Assert.Equal(true, await interpreter.EvaluateAsync("module_ref() is None"));
    }

    [Fact]
    public async Task BindingIsReleasedWhenTheInterpreterEnds()
    {
        var weak = await CreateUseAndEndAsync();

        for (var i = 0; i < 5 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<WeakReference> CreateUseAndEndAsync()
    {
        var binding = new RecordingBinding("p", 0);
        var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("import pluginhost; pluginhost.log(20, 'x')");
        await interpreter.DisposeAsync();
        return new WeakReference(binding);
    }
}
