namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class ExceptionTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task PythonExceptionArrivesWithTypeMessageAndTraceback()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() =>
            interpreter.RunAsync("def inner():\n    raise ValueError('bad input 42')\n\ndef outer():\n    inner()\n\nouter()"));

        Assert.Equal("ValueError", error.PythonType);
        Assert.Equal("bad input 42", error.PythonMessage);
        Assert.Equal("ValueError: bad input 42", error.Message);
        Assert.StartsWith("Traceback (most recent call last):", error.PythonTraceback);
        Assert.Contains("line 2, in inner", error.PythonTraceback);
        Assert.Contains("line 5, in outer", error.PythonTraceback);
        Assert.Contains(error.PythonTraceback, error.ToString());
    }

    [Fact]
    public async Task AHugeMessageIsCutWithAMarkerInTheMessageAndTheTraceback()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("raise ValueError('m' * 50_000_000)"));

        const int Limit = PythonException.MaxTextLength;
        Assert.Equal(new string('m', Limit) + $"… [{50_000_000 - Limit} more characters dropped: a line of output or logging record is cut at {Limit} characters]", error.PythonMessage);
        Assert.StartsWith("Traceback (most recent call last):", error.PythonTraceback);
        Assert.True(error.PythonTraceback.Length < Limit + 200);
        Assert.EndsWith($"more characters dropped: a line of output or logging record is cut at {Limit} characters]", error.PythonTraceback);
    }

    [Fact]
    public async Task ExceptionTypeIsQualifiedByItsModule()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.EvaluateAsync("__import__('json').loads('{')"));

        Assert.Equal("json.decoder.JSONDecodeError", error.PythonType);
    }

    [Fact]
    public async Task SyntaxErrorIsReported()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("def broken(:\n    pass"));

        Assert.Equal("SyntaxError", error.PythonType);
    }

    [Fact]
    public async Task RunawayRecursionIsARecursionErrorNotACrash()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("def f(n): return f(n + 1)\nf(0)"));

        Assert.Equal("RecursionError", error.PythonType);
        Assert.Equal(3L, await interpreter.EvaluateAsync("1 + 2"));
    }

    [Fact]
    public async Task CallingAMissingFunctionNamesIt()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.CallAsync("json", "no_such_function", []));

        Assert.Equal("AttributeError", error.PythonType);
        Assert.Contains("no_such_function", error.PythonMessage);
    }
}
