namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class IsolationTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task EachInterpreterHasItsOwnSysModules()
    {
        await using var a = await fixture.Runtime.CreateInterpreterAsync();
        await using var b = await fixture.Runtime.CreateInterpreterAsync();

        await a.RunAsync("import sys, types; sys.modules['only_in_a'] = types.ModuleType('only_in_a')");

        Assert.Equal(true, await a.EvaluateAsync("'only_in_a' in __import__('sys').modules"));
        Assert.Equal(false, await b.EvaluateAsync("'only_in_a' in __import__('sys').modules"));
        Assert.NotEqual(await a.EvaluateAsync("id(__import__('sys').modules)"), await b.EvaluateAsync("id(__import__('sys').modules)"));
    }

    [Fact]
    public async Task HeapTypesAreDistinctAndAttributesDoNotLeak()
    {
        // The demo in CPython's subinterpreter notes, across two interpreters instead of two imports.
        await using var a = await fixture.Runtime.CreateInterpreterAsync();
        await using var b = await fixture.Runtime.CreateInterpreterAsync();

        await a.RunAsync("import _random; _random.Random.x = 1");

        Assert.Equal(1L, await a.EvaluateAsync("__import__('_random').Random.x"));
        Assert.Equal(false, await b.EvaluateAsync("hasattr(__import__('_random').Random, 'x')"));
        Assert.NotEqual(await a.EvaluateAsync("id(__import__('_random').Random)"), await b.EvaluateAsync("id(__import__('_random').Random)"));
    }

    [Fact]
    public async Task ModuleStateIsPerInterpreter()
    {
        // CPython's _testmultiphase_meth_state_access keeps a counter in its module state, reached through a heap
        // type's defining module; it lives in the _testmultiphase binary under its own init function.
        const string load = """
            import importlib.util, _testmultiphase
            spec = importlib.util.spec_from_file_location('_testmultiphase_meth_state_access', _testmultiphase.__file__)
            m = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(m)
            """;
        await using var a = await fixture.Runtime.CreateInterpreterAsync();
        await using var b = await fixture.Runtime.CreateInterpreterAsync();
        await a.RunAsync(load);
        await b.RunAsync(load);

        await a.RunAsync("for _ in range(5): m.StateAccessType().increment_count_clinic()");
        await b.RunAsync("m.StateAccessType().increment_count_clinic()");

        Assert.Equal(5L, await a.EvaluateAsync("m.StateAccessType().get_count()"));
        Assert.Equal(1L, await b.EvaluateAsync("m.StateAccessType().get_count()"));
    }

    [Fact]
    public async Task InterpretersHaveDistinctIds()
    {
        await using var a = await fixture.Runtime.CreateInterpreterAsync();
        await using var b = await fixture.Runtime.CreateInterpreterAsync();

        Assert.True(a.Id > 0);
        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task SitePackagesAreNotOnThePath()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var path = (object?[])(await interpreter.EvaluateAsync("__import__('sys').path"))!;

        Assert.DoesNotContain(path, p => ((string)p!).Contains("site-packages"));
        Assert.Contains(path, p => ((string)p!).EndsWith("lib-dynload"));
    }
}
