namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class ProcessFacilityTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ForkFailsInsideAnIsolatedInterpreter()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import os; os.fork()"));

        Assert.Equal("RuntimeError", error.PythonType);
        Assert.Contains("fork", error.PythonMessage);
    }

    [Fact]
    public async Task ExecFailsInsideAnIsolatedInterpreter()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import os; os.execv('/bin/true', ['true'])"));

        Assert.Contains("exec", error.PythonMessage);
    }

    [Fact]
    public async Task DaemonThreadsAreRefused()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() =>
            interpreter.RunAsync("import threading; threading.Thread(target=lambda: None, daemon=True).start()"));

        Assert.Contains("daemon", error.PythonMessage);
    }

    [Fact]
    public async Task SystemExitStaysAnExceptionOfTheInterpreter()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import sys; sys.exit(5)"));

        Assert.Equal("SystemExit", error.PythonType);
        Assert.Equal(2L, await interpreter.EvaluateAsync("1 + 1"));
    }
}
