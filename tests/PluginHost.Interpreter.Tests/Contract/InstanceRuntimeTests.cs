using System.Text;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Tests.Modules;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Contract;

/// <summary>
/// The host↔interpreter contract as the host uses it, filled by a real subinterpreter: start through the factory, run
/// host statements, drain a message source and report each outcome, interrupt, sample, end.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class InstanceRuntimeTests(PythonRuntimeFixture fixture)
{
    private const string Handlers = """
        import pluginhost, sys
        seen = []
        @pluginhost.on("t")
        def handle(message):
            seen.append(message.payload)
            if message.payload == "raise":
                raise ValueError("no thanks")
            if message.payload == "exit":
                sys.exit(3)
            return "re:" + message.payload
        """;

    private async Task<(IInstanceRuntime Runtime, QueueSource Source)> StartAsync(string name)
    {
        var binding = new RecordingBinding(name, 0);
        IInstanceRuntimeFactory factory = fixture.Runtime;
        var runtime = await factory.StartAsync(new InterpreterOptions { Name = name }, binding, policy: null);
        await runtime.RunAsync(Handlers);
        return (runtime, new QueueSource(binding.Subscriptions["t"]) { Runtime = runtime });
    }

    private static Message Text(string text) =>
        new() { Topic = "t", Payload = Encoding.UTF8.GetBytes(text), ContentType = ContentTypes.Text, Sender = "tester" };

    [Fact]
    public async Task EachMessageTakenGetsExactlyOneOutcome()
    {
        var (runtime, source) = await StartAsync("contract-outcomes");
        await using var _ = runtime;
        source.Add(Text("a"), isRequest: true);
        source.Add(Text("raise"));
        source.Add(new Message { Topic = "t", Payload = "{bad"u8.ToArray(), ContentType = ContentTypes.Json, Sender = "forger" });
        source.Add(Text("b"));

        Assert.True(runtime.Schedule(source));
        await source.Drained.WaitAsync(TimeSpan.FromSeconds(30));

        var outcomes = source.Reports.Select(r => r.Outcome).ToArray();
        Assert.Equal([HandlerResult.Handled, HandlerResult.Failed, HandlerResult.Undecodable, HandlerResult.Handled], outcomes.Select(o => o.Result));
        Assert.Equal("re:a", TextOf(outcomes[0].Reply!));
        var raised = Assert.IsType<PythonException>(outcomes[1].Error);
        Assert.Equal(("ValueError", "no thanks"), (raised.PythonType, raised.PythonMessage));
        Assert.Contains("in handle", raised.PythonTraceback);
        Assert.StartsWith("the payload from 'forger' does not decode as application/json", outcomes[2].Reason);
        Assert.Null(outcomes[3].Reply);   // not a request: the return value is dropped
        Assert.Equal(4, source.Taken);
        Assert.Equal(["a", "raise", "b"], (object?[])(await runtime.EvaluateOn("seen"))!);
    }

    [Fact]
    public async Task SystemExitEndsTheBatchAndNothingMoreIsTaken()
    {
        var (runtime, source) = await StartAsync("contract-exit");
        await using var _ = runtime;
        source.Add(Text("a"));
        source.Add(Text("exit"));
        source.Add(Text("never"));

        runtime.Schedule(source);
        await Until(() => source.BatchEnds.Count == 1, seconds: 30);
        await Task.Delay(200);   // a runtime that went on taking would have taken the third by now

        var exit = source.Reports.Last().Outcome;
        Assert.Equal(HandlerResult.Exited, exit.Result);
        Assert.Equal("3", ((PythonException)exit.Error!).PythonMessage);
        Assert.Equal(2, source.Taken);
        Assert.Equal(1, source.Batches);
    }

    [Fact]
    public async Task ABusySourceIsDrainedInBoundedBatches()
    {
        var (runtime, source) = await StartAsync("contract-batches");
        await using var _ = runtime;
        for (var i = 0; i < 3000; i++)
            source.Add(Text($"m{i}"));

        runtime.Schedule(source);
        await source.Drained.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3000, source.Reports.Count(r => r.Outcome.Result == HandlerResult.Handled));
        Assert.True(source.Batches >= 3, $"3000 messages in {source.Batches} batch(es): a batch is bounded (1024)");
        Assert.All(source.BatchEnds, Assert.Null);
    }

    [Fact]
    public async Task ARefusedBatchTakesNothingAndAnEndedRuntimeRefusesToSchedule()
    {
        var (runtime, source) = await StartAsync("contract-refused");
        source.Add(Text("a"));
        source.Refuse = true;

        Assert.True(runtime.Schedule(source));
        await Until(() => source.Batches == 1, seconds: 30);
        await runtime.RunAsync("pass");   // queued after the drain: the drain has run

        Assert.Equal(0, source.Taken);
        Assert.Empty(source.BatchEnds);
        await runtime.DisposeAsync();
        await runtime.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(runtime.Schedule(source));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runtime.RunAsync("pass"));
    }

    [Fact]
    public async Task InterruptStopsRunawayCodeAndSamplingReadsTheRuntimesOwnAllocator()
    {
        var (runtime, _) = await StartAsync("contract-interrupt");
        await using var _runtime = runtime;
        await runtime.RunAsync("blocks = [bytes(2000) for _ in range(100)]");

        var sample = await runtime.SampleAllocatorAsync();
        Assert.NotNull(sample);
        Assert.True(sample.Value.AllocatedBytes > 0);
        Assert.True(runtime.LargeBytes >= 100 * 2000, $"large blocks: {runtime.LargeBytes}");

        var loop = runtime.RunAsync("while True: pass");
        await Task.Delay(100);
        Assert.True(await runtime.InterruptAsync(() => !loop.IsCompleted));
        var error = await Assert.ThrowsAsync<PythonException>(() => loop.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("pluginhost.HandlerTimeout", error.PythonType);
        Assert.False(await runtime.InterruptAsync(() => false));   // no longer relevant: nothing raised
        await runtime.RunAsync("pass");
    }
}

internal static class RuntimeExtensions
{
    /// <summary>Reads a value back through a test-only path (the contract itself carries no Python values out).</summary>
    public static Task<object?> EvaluateOn(this IInstanceRuntime runtime, string expression) =>
        ((SubInterpreter)runtime).EvaluateAsync(expression);
}
