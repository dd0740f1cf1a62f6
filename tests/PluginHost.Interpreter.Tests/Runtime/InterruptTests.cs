namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class InterruptTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task RunawayLoopIsInterruptedAndTheInterpreterStaysUsable()
    {
        await using var runaway = await fixture.Runtime.CreateInterpreterAsync();
        await using var neighbour = await fixture.Runtime.CreateInterpreterAsync();
        await runaway.RunAsync("import pluginhost");
        var running = 0;

        var loop = runaway.InvokeAsync(scope => { Volatile.Write(ref running, 1); scope.Exec("while True: pass"); return 0; });
        while (Volatile.Read(ref running) == 0)
            await Task.Delay(10);
        await Task.Delay(100);
        var neighbourWorks = await neighbour.EvaluateAsync("sum(range(1000))");
        var interrupted = await runaway.InterruptAsync(() => Volatile.Read(ref running) == 1);

        var error = await Assert.ThrowsAsync<PythonException>(() => loop);
        Assert.True(interrupted);
        Assert.Equal("pluginhost.HandlerTimeout", error.PythonType);
        Assert.Contains("timeout", error.PythonMessage);
        Assert.Equal(499500L, neighbourWorks);
        Assert.Equal(2L, await runaway.EvaluateAsync("1 + 1"));
    }

    [Fact]
    public async Task InterruptThatIsNoLongerRelevantDoesNothing()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var interrupted = await interpreter.InterruptAsync(() => false);

        Assert.False(interrupted);
        Assert.Equal(3L, await interpreter.EvaluateAsync("1 + 2"));
    }

    [Fact]
    public async Task InterruptArrivingDuringNativeWaitDoesNotLeakIntoTheNextWork()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        var sleeping = interpreter.RunAsync("import time; time.sleep(0.5)");
        await Task.Delay(100);

        await interpreter.InterruptAsync(() => true);
        try
        {
            await sleeping;
        }
        catch (PythonException e) when (e.PythonType == "pluginhost.HandlerTimeout")
        {
            // Delivered when the sleep returned to Python: allowed. What matters is the next item.
        }

        Assert.Equal(7L, await interpreter.EvaluateAsync("3 + 4"));
    }
}
