using System.Text;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// Payloads a receiver could not decode: refused at the sender with a ValueError when the sender can tell (issue #12,
/// item 8), and an outcome naming the sender — never a handler failure — when one reaches a receiver anyway.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class HostilePayloadTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AnIntegerTooLongForADefaultReceiverIsAValueErrorAtTheSenderAndNothingIsSent()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempts.Define + "\nsys.set_int_max_str_digits(0)\n");

        var results = await Attempts.RunAsync(interpreter, """
            lambda: pluginhost.publish("n", {"n": 10**5000}),
            lambda: pluginhost.publish("n", [1, [2, {"deep": -10**4300}]]),
            lambda: pluginhost.publish("n", 10**4300),
            lambda: pluginhost.request("n", {"n": 10**5000}, timeout=1),
            """);

        Assert.All(results, r => Assert.StartsWith("ValueError: the payload holds an integer of ", r));
        Assert.Equal(
            "ValueError: the payload holds an integer of 5001 digits, which a receiver could not decode: json there reads at most 4300 (CPython's default sys.int_max_str_digits); send it as a str",
            results[0]);
        Assert.Contains("of 4301 digits", results[1]);
        Assert.Empty(binding.Published);
    }

    [Fact]
    public async Task WhatADefaultReceiverCanDecodeIsSentHoweverLongItsDigitRuns()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempts.Define + "\nsys.set_int_max_str_digits(0)\n");

        var results = await Attempts.RunAsync(interpreter, """
            lambda: pluginhost.publish("n", {"n": 10**4299, "m": -(10**4299)}),
            lambda: pluginhost.publish("n", {"digits in a str": "7" * 9000, "escaped": '\\"' + "1" * 9000}),
            lambda: pluginhost.publish("n", [float("1" * 300), 1.5e300] * 100 + [1] * 3000),
            """);

        Assert.Equal(["ok", "ok", "ok"], results);
        // Each one decodes with CPython's default limit.
        await interpreter.RunAsync("import json\nsys.set_int_max_str_digits(4300)");
        foreach (var message in binding.Published)
            Assert.True(await DecodesAsync(interpreter, message.Payload.ToArray()));
    }

    [Fact]
    public async Task TheScanAgreesWithCPythonsOwnDecoderAtTheLimit()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();
        await interpreter.RunAsync("import json, sys\nsys.set_int_max_str_digits(4300)");
        string[] cases =
        [
            new string('9', 4300), new string('9', 4301), "-" + new string('9', 4300), "-" + new string('9', 4301),
            "[" + new string('1', 4301) + ".5]", "[1e" + new string('1', 3) + "0, 2]", "{\"k\": " + new string('1', 4301) + "}",
            "[\"" + new string('1', 4301) + "\"]", "[\"\\\"\", " + new string('2', 4301) + "]", "[\"\\\\\", \"" + new string('3', 4400) + "\"]",
            "[0.1e-" + new string('0', 4400) + "1]",
        ];

        foreach (var json in cases)
        {
            var utf8 = Encoding.UTF8.GetBytes(json);
            Assert.Equal(await DecodesAsync(interpreter, utf8), JsonReceiverLimits.OversizedInteger(utf8) == 0);
        }
    }

    /// <summary>Whether json.loads takes <paramref name="json"/>; false only for the digit limit's ValueError (other errors fail the test).</summary>
    private static async Task<bool> DecodesAsync(SubInterpreter interpreter, byte[] json)
    {
        try
        {
            return await interpreter.EvaluateAsync($"(json.loads(bytes.fromhex('{Convert.ToHexString(json)}')), True)[1]") is true;
        }
        catch (PythonException e) when (e.PythonType == "ValueError" && e.PythonMessage.StartsWith("Exceeds the limit (4300 digits)", StringComparison.Ordinal))
        {
            return false;
        }
    }

    [Fact]
    public async Task ValuesWithoutAJsonOrUtf8FormAreValueErrorsAndOtherTypesTypeErrors()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempts.Define + """

            def nested(depth):
                value = []
                for _ in range(depth):
                    value = [value]
                return value
            cycle = []
            cycle.append(cycle)
            """);

        var results = await Attempts.RunAsync(interpreter, """
            lambda: pluginhost.publish("x", {"v": float("nan")}),
            lambda: pluginhost.publish("x", [float("inf")]),
            lambda: pluginhost.publish("x", "lone \ud800 surrogate"),
            lambda: pluginhost.publish("x", {"s": "\udfff"}),
            lambda: pluginhost.publish("x", nested(100_000)),
            lambda: pluginhost.publish("x", cycle),
            lambda: pluginhost.publish("x", object()),
            """);

        Assert.StartsWith("ValueError: the payload cannot be sent as JSON: Out of range float values are not JSON compliant", results[0]);
        Assert.StartsWith("ValueError: the payload cannot be sent as JSON: Out of range float values", results[1]);
        Assert.StartsWith("ValueError: the str payload is not valid Unicode text and cannot be sent: 'utf-8' codec can't encode character '\\ud800'", results[2]);
        Assert.StartsWith("ValueError: a str in the payload is not valid Unicode text and cannot be sent", results[3]);
        Assert.StartsWith("ValueError: the payload cannot be sent as JSON: maximum recursion depth exceeded", results[4]);
        Assert.Equal("ValueError: the payload cannot be sent as JSON: Circular reference detected", results[5]);
        Assert.StartsWith("TypeError: payload of type 'object' cannot be sent", results[6]);
        Assert.Empty(binding.Published);
    }

    [Fact]
    public async Task AReplyADefaultRequesterCouldNotDecodeFailsInTheReplier()
    {
        var binding = new RecordingBinding("replier", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("import sys, pluginhost\nsys.set_int_max_str_digits(0)\npluginhost._set_direct_handler(lambda m: {'n': 10**5000})");

        var error = await Assert.ThrowsAsync<PythonError>(() => interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return dispatcher.Deliver(new Message { Topic = "q", To = "replier" }, [SdkModule.DirectHandlerId], isRequest: true).Reply;
        }));

        Assert.Equal(PyErrorKind.ValueError, error.Kind);
        Assert.Contains("an integer of 5001 digits", error.Message);
    }

    [Theory]
    [InlineData(ContentTypes.Json, "{\"n\": 1", "json.decoder.JSONDecodeError: Expecting ',' delimiter")]
    [InlineData(ContentTypes.Text, "\xff\xfe", "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff")]
    public async Task APayloadThatDoesNotDecodeIsAnOutcomeNamingTheSenderAndNoHandlerRuns(string contentType, string payload, string error)
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("import pluginhost\ncalls = []\npluginhost.subscribe('t', lambda m: calls.append(m.topic))");
        var bytes = payload.Select(c => (byte)c).ToArray();

        var outcome = await interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return dispatcher.Deliver(new Message { Topic = "t", Payload = bytes, ContentType = contentType, Sender = "garbler" }, [binding.Subscriptions["t"]], isRequest: false);
        });

        Assert.StartsWith($"the payload from 'garbler' does not decode as {contentType}: {error}", outcome.Reason);
        Assert.Equal(0L, await interpreter.EvaluateAsync("len(calls)"));
    }

    [Fact]
    public async Task APooledPayloadThatDoesNotDecodeOnFirstReadIsTheSendersFaultWhenTheHandlerRaises()
    {
        var binding = new RecordingBinding("r", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync("""
            import pluginhost
            seen = []
            def careless(message):
                return message.payload["n"]
            def careful(message):
                for _ in range(2):
                    try:
                        message.payload
                    except ValueError as e:
                        seen.append(str(e))
            pluginhost.subscribe("careless", careless)
            pluginhost.subscribe("careful", careful)
            """);
        var pool = new PayloadPool();

        Message Garbage(string topic)
        {
            var pooled = pool.Rent(PayloadPool.MinimumSize);
            pooled.Buffer.Fill((byte)'x');
            return new Message { Topic = topic, Payload = pooled.Memory, ContentType = ContentTypes.Json, Sender = "forger" };
        }

        var (careless, careful) = await interpreter.InvokeAsync(scope =>
        {
            using var dispatcher = SdkDispatcher.For(scope);
            return (dispatcher.Deliver(Garbage("careless"), [binding.Subscriptions["careless"]], isRequest: false),
                dispatcher.Deliver(Garbage("careful"), [binding.Subscriptions["careful"]], isRequest: false));
        });

        Assert.StartsWith("the payload from 'forger' does not decode as application/json: json.decoder.JSONDecodeError: Expecting value", careless.Reason);
        Assert.Equal(HandlerResult.Handled, careful.Result);
        var seen = (object?[])(await interpreter.EvaluateAsync("seen"))!;
        Assert.Equal(2, seen.Length);
        Assert.StartsWith("the payload from 'forger' does not decode as application/json", (string)seen[0]!);
        Assert.Equal(seen[0], seen[1]);
    }

    [Fact]
    public async Task AReplyThatDoesNotDecodeIsAValueErrorNamingTheReplier()
    {
        var binding = new RecordingBinding("asker", 0)
        {
            Replies = (m, _) => Task.FromResult(new Message { Topic = m.Topic, Payload = "nope"u8.ToArray(), ContentType = ContentTypes.Json, Sender = "liar" }),
        };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.request('q', 1)"));

        Assert.Equal("ValueError", error.PythonType);
        Assert.StartsWith("the payload from 'liar' does not decode as application/json: json.decoder.JSONDecodeError", error.PythonMessage);
        Assert.EndsWith("(a reply on 'q')", error.PythonMessage);
    }
}
