using System.Text;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary><c>pluginhost.call</c> in a real interpreter, against a binding that stands in for the host's functions.</summary>
[Collection(PythonCollection.Name)]
public sealed class HostCallTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ArgumentsAndResultsAreMarshalledLikePayloads()
    {
        var binding = new RecordingBinding("caller", 0);
        var seen = new List<(string Function, string ContentType, string Text)>();
        binding.OnCall = (function, argument, _) =>
        {
            lock (seen)
                seen.Add((function, argument.ContentType, Encoding.UTF8.GetString(argument.Bytes.Span)));
            return Task.FromResult(argument);
        };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var result = await interpreter.EvaluateAsync("""
            (lambda pluginhost: [pluginhost.call("echo", b"\x00raw"), pluginhost.call("echo", "héllo"),
                                 pluginhost.call("echo", {"n": [1, 2.5, None]}), pluginhost.call("echo")])(__import__("pluginhost"))
            """);

        var values = (object?[])result!;
        Assert.Equal(new byte[] { 0, (byte)'r', (byte)'a', (byte)'w' }, values[0]);
        Assert.Equal("héllo", values[1]);
        Assert.Equal(new Dictionary<string, object?> { ["n"] = new object?[] { 1L, 2.5, null } }, values[2]);
        Assert.Null(values[3]);
        Assert.Equal([("echo", ContentTypes.Bytes, "\0raw"), ("echo", ContentTypes.Text, "héllo"),
                      ("echo", ContentTypes.Json, """{"n":[1,2.5,null]}"""), ("echo", ContentTypes.Json, "null")], seen);
    }

    [Fact]
    public async Task AFunctionsExceptionArrivesAsHostFunctionErrorWithItsMessage()
    {
        var binding = new RecordingBinding("caller", 0)
        {
            OnCall = (_, _, _) => Task.FromException<HostPayload>(new HostFunctionException("parse failed: no digits in 'abc'")),
        };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.call('parse', 'abc')"));

        Assert.Equal("pluginhost.HostFunctionError", error.PythonType);
        Assert.Equal("parse failed: no digits in 'abc'", error.PythonMessage);
        Assert.Equal(true, await interpreter.EvaluateAsync("issubclass(__import__('pluginhost').HostFunctionError, RuntimeError)"));
    }

    [Theory]
    [InlineData("denied", "PermissionError")]
    [InlineData("missing", "KeyError")]
    [InlineData("slow", "TimeoutError")]
    public async Task ErrorsOfTheCallItselfKeepTheirPythonTypes(string function, string pythonType)
    {
        var binding = new RecordingBinding("caller", 0)
        {
            OnCall = (name, _, _) => Task.FromException<HostPayload>(name switch
            {
                "denied" => new UnauthorizedAccessException("plugin 'caller' may not call host function 'denied'"),
                "missing" => new KeyNotFoundException("no host function 'missing'"),
                _ => new TimeoutException("host function 'slow' did not finish within 00:00:01"),
            }),
        };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync($"import pluginhost; pluginhost.call('{function}')"));

        Assert.Equal(pythonType, error.PythonType);
        Assert.Contains(function, error.PythonMessage);
    }

    [Fact]
    public async Task TheTimeoutIsPassedToTheBinding()
    {
        TimeSpan? given = TimeSpan.Zero;
        var binding = new RecordingBinding("caller", 0) { OnCall = (_, a, timeout) => { given = timeout; return Task.FromResult(a); } };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("import pluginhost; pluginhost.call('f', 1, timeout=2.5)");
        Assert.Equal(TimeSpan.FromSeconds(2.5), given);
        await interpreter.RunAsync("import pluginhost; pluginhost.call('f', 1)");
        Assert.Null(given);
    }

    [Fact]
    public async Task TheInterpretersOtherThreadsRunWhileACallWaits()
    {
        // The call completes only when another Python thread of the same interpreter logs: it would never finish if
        // the waiting call held the GIL.
        var pending = new TaskCompletionSource<HostPayload>(TaskCreationOptions.RunContinuationsAsynchronously);
        var binding = new RecordingBinding("caller", 0) { OnCall = (_, _, _) => pending.Task };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        var log = Task.Run(async () =>
        {
            await Until(() => binding.Records.Any(r => r.Message == "from the other thread"), 30);
            pending.SetResult(new HostPayload(Encoding.UTF8.GetBytes("done"), ContentTypes.Text));
        });

        var result = await interpreter.EvaluateAsync("""
            (lambda pluginhost, threading: (
                threading.Thread(target=lambda: pluginhost.log(20, "from the other thread")).start(),
                pluginhost.call("wait"),
            )[1])(__import__("pluginhost"), __import__("threading"))
            """).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("done", result);
        await log;
    }

    [Fact]
    public async Task CallAsyncAwaitsTheResultInAsyncioCode()
    {
        var binding = new RecordingBinding("caller", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var result = await interpreter.EvaluateAsync("__import__('asyncio').run(__import__('pluginhost').call_async('echo', [1, 2]))");

        Assert.Equal(new object?[] { 1L, 2L }, result);
    }
}
