namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class ConcurrencyTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task EightInterpretersRunConcurrentlyAndEndCleanly()
    {
        var interpreters = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => fixture.Runtime.CreateInterpreterAsync()));

        var results = await Task.WhenAll(interpreters.Select((interpreter, i) => interpreter.InvokeAsync(scope =>
        {
            scope.Exec($"import json, hashlib\nacc = 0\nfor k in range(20000): acc = (acc + k * {i + 1}) % 1000003\nmine = {i}");
            return scope.Evaluate("(mine, acc, json.dumps([mine]))");
        })));

        for (var i = 0; i < interpreters.Length; i++)
        {
            var expected = Enumerable.Range(0, 20000).Aggregate(0L, (acc, k) => (acc + (long)k * (i + 1)) % 1000003);
            Assert.Equal(new object?[] { (long)i, expected, $"[{i}]" }, results[i]);
        }
        Assert.Equal(8, interpreters.Select(x => x.Id).Distinct().Count());
        await Task.WhenAll(interpreters.Select(x => x.DisposeAsync().AsTask()));
        Assert.All(interpreters, x => Assert.True(x.Completion.IsCompletedSuccessfully));
        Assert.DoesNotContain(fixture.Runtime.Interpreters, x => interpreters.Contains(x));
    }

    [Fact]
    public async Task WorkRunsOnTheInterpretersOwnThread()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(new InterpreterOptions { Name = "owner-check" });

        var threadName = await interpreter.InvokeAsync(_ => Thread.CurrentThread.Name);
        var pythonThread = await interpreter.EvaluateAsync("__import__('threading').get_native_id()");
        var again = await interpreter.EvaluateAsync("__import__('threading').get_native_id()");

        Assert.Equal("owner-check", threadName);
        Assert.Equal(pythonThread, again);
    }

    [Fact]
    public async Task ScopeUsedOutsideItsThreadIsRefused()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        var escaped = await interpreter.InvokeAsync(scope => scope);

        Assert.Throws<InvalidOperationException>(() => escaped.Evaluate("1"));
    }

    [Fact]
    public async Task QueuedWorkRunsBeforeDisposalAndLaterWorkIsRefused()
    {
        var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        var queued = Enumerable.Range(0, 50).Select(i => interpreter.EvaluateAsync($"{i} * 2")).ToArray();

        await interpreter.DisposeAsync();

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (object?)(long)(i * 2)), await Task.WhenAll(queued));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => interpreter.EvaluateAsync("1"));
    }

    [Fact]
    public async Task NonDaemonThreadsAreJoinedWhenTheInterpreterEnds()
    {
        var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        await interpreter.RunAsync("import threading, time\ndone = []\nt = threading.Thread(target=lambda: (time.sleep(0.2), done.append(1)))\nt.start()");

        await interpreter.DisposeAsync();

        Assert.True(interpreter.Completion.IsCompletedSuccessfully);
    }
}
