namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>
/// An interpreter is never ended under threads its code started (CPython aborts the process: "Py_EndInterpreter: not
/// the last thread"): they are stopped first, or the interpreter is left running (abandoned) until they are gone.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class ThreadEndTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ThreadsStartedWithStartNewThreadOrThreadingAreStoppedBeforeTheInterpreterEnds()
    {
        var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        await interpreter.RunAsync("""
            import _thread, threading
            def loop():
                while True:
                    pass
            _thread.start_new_thread(loop, ())
            _thread.start_new_thread(loop, ())
            threading.Thread(target=loop).start()
            """);

        await interpreter.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(interpreter.IsAbandoned, interpreter.Abandoned);
        Assert.True(interpreter.Completion.IsCompletedSuccessfully);
        Assert.DoesNotContain(interpreter, fixture.Runtime.Interpreters);
    }

    [Fact]
    public async Task IdleThreadPoolWorkersBlockedOnTheirQueueAreWokenAndTheInterpreterEnds()
    {
        // Idle workers wait in C (a lock) where SystemExit cannot land; concurrent.futures' threading atexit callback
        // wakes them, and it runs before they are told to stop.
        var interpreter = await fixture.Runtime.CreateInterpreterAsync(new InterpreterOptions { ThreadEndTimeout = TimeSpan.FromSeconds(10) });
        await interpreter.RunAsync("""
            from concurrent.futures import ThreadPoolExecutor
            pool = ThreadPoolExecutor(max_workers=3)
            assert sum(pool.map(abs, range(-50, 0))) == 1275
            """);

        await interpreter.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(interpreter.IsAbandoned, interpreter.Abandoned);
        Assert.True(interpreter.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AThreadBlockedInCLeavesTheInterpreterAbandonedUntilItReturnsThenItEnds()
    {
        var interpreter = await fixture.Runtime.CreateInterpreterAsync(new InterpreterOptions { ThreadEndTimeout = TimeSpan.FromMilliseconds(300) });
        await interpreter.RunAsync("import _thread, time\n_thread.start_new_thread(time.sleep, (3,))");

        await interpreter.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(interpreter.IsAbandoned);
        Assert.Contains("1 thread(s) it started were still running", interpreter.Abandoned);
        Assert.False(interpreter.Completion.IsCompleted);
        Assert.Contains(interpreter, fixture.Runtime.Interpreters);
        // The sleep returns, the pending SystemExit ends the thread, and the interpreter ends after all.
        await interpreter.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(interpreter, fixture.Runtime.Interpreters);
    }

    [Fact]
    public void ThreadEndTimeoutMustBePositive()
    {
        var options = new InterpreterOptions { ThreadEndTimeout = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("ThreadEndTimeout", error.Message);
    }
}
