namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class ExtensionModuleTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task SinglePhaseInitModuleIsRefused()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import _testsinglephase"));

        Assert.Equal("ImportError", error.PythonType);
        Assert.Contains("_testsinglephase", error.PythonMessage);
        Assert.Contains("subinterpreters", error.PythonMessage);
    }

    [Fact]
    public async Task MultiPhaseInitModuleLoads()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        Assert.Equal("_testmultiphase", await interpreter.EvaluateAsync("__import__('_testmultiphase').__name__"));
    }

    [Fact]
    public async Task InterpreterStillWorksAfterARefusedImport()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import _testsinglephase"));

        Assert.Equal("{\"a\": 1}", await interpreter.EvaluateAsync("__import__('json').dumps({'a': 1})"));
    }
}
