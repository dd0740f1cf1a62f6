namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// What a plugin hands the module is measured in Python before it is copied out (issue #12, item 7): headers against
/// the host's limit.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class BoundedInputTests(PythonRuntimeFixture fixture)
{
    private const string Attempt = """
        import pluginhost
        def attempt(*calls):
            results = []
            for call in calls:
                try:
                    call()
                    results.append("ok")
                except Exception as e:
                    results.append(f"{type(e).__name__}: {e}")
            return results
        """;

    [Fact]
    public async Task HeadersMustBeNonEmptyStrNamesToStrValues()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempt);

        var results = (object?[])(await interpreter.EvaluateAsync("""
            attempt(
                lambda: pluginhost.publish("t", b"", {1: "v"}),
                lambda: pluginhost.publish("t", b"", {"k": 1}),
                lambda: pluginhost.publish("t", b"", {"k": ["a"]}),
                lambda: pluginhost.publish("t", b"", [("k", "v")]),
                lambda: pluginhost.publish("t", b"", {"": "v"}),
                lambda: pluginhost.publish("t", b"", {"k": "\udc80"}),
                lambda: pluginhost.publish("t", b"", {"é": "ü"}),
            )
            """))!;

        Assert.Equal(
        [
            "TypeError: publish() headers must be a dict of str to str, not int (a name)",
            "TypeError: publish() headers must be a dict of str to str, not int (a value)",
            "TypeError: publish() headers must be a dict of str to str, not list (a value)",
            "TypeError: publish() headers must be a dict of str to str, not list",
            "ValueError: publish() header names must not be empty",
            "ValueError: a header value is not valid Unicode text and cannot be sent: 'utf-8' codec can't encode character '\\udc80' in position 0: surrogates not allowed",
            "ok",
        ], results);
        Assert.Equal("ü", Assert.Single(binding.Published).Headers["é"]);
        Assert.Equal(4, binding.HeaderSizes.Last());   // UTF-8 bytes of name and value
    }

    [Fact]
    public async Task HeadersOverTheLimitAreRefusedBeforeTheyAreCopiedOut()
    {
        var binding = new RecordingBinding("sender", 0) { MaxHeaderBytes = 100 };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempt);

        var big = (object?[])(await interpreter.EvaluateAsync("attempt(lambda: pluginhost.publish('t', b'', {'trace': 'x' * 100_000_000}))"))!;
        var sizes = binding.HeaderSizes.ToArray();
        binding.HeaderSizes.Clear();
        var many = (object?[])(await interpreter.EvaluateAsync("attempt(lambda: pluginhost.request('t', b'', headers={str(i): '' for i in range(1000)}))"))!;

        Assert.Equal("ValueError: headers of 100000005 bytes are over the limit of 100", Assert.Single(big));
        Assert.Equal([1, 100_000_005], sizes);
        // More entries than the limit has bytes: refused on the count, before any entry is measured.
        Assert.Equal("ValueError: headers of 1000 bytes are over the limit of 100", Assert.Single(many));
        Assert.Equal([1000], binding.HeaderSizes);
        Assert.Empty(binding.Published);
    }
}
