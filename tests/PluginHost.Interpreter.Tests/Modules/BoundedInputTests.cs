using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// What a plugin hands the module is measured in Python before it is copied out (issue #12, item 7): headers against
/// the host's limit, logging records against the longest the host keeps, large writes to stdout in pieces.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class BoundedInputTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task HeadersMustBeNonEmptyStrNamesToStrValues()
    {
        var binding = new RecordingBinding("sender", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);
        await interpreter.RunAsync(Attempts.Define);

        var results = await Attempts.RunAsync(interpreter, """
                lambda: pluginhost.publish("t", b"", {1: "v"}),
                lambda: pluginhost.publish("t", b"", {"k": 1}),
                lambda: pluginhost.publish("t", b"", {"k": ["a"]}),
                lambda: pluginhost.publish("t", b"", [("k", "v")]),
                lambda: pluginhost.publish("t", b"", {"": "v"}),
                lambda: pluginhost.publish("t", b"", {"k": "\udc80"}),
                lambda: pluginhost.publish("t", b"", {"é": "ü"}),
            """);

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
        await interpreter.RunAsync(Attempts.Define);

        var big = await Attempts.RunAsync(interpreter, "lambda: pluginhost.publish('t', b'', {'trace': 'x' * 100_000_000})");
        var sizes = binding.HeaderSizes.ToArray();
        binding.HeaderSizes.Clear();
        var many = await Attempts.RunAsync(interpreter, "lambda: pluginhost.request('t', b'', headers={str(i): '' for i in range(1000)})");

        Assert.Equal("ValueError: headers of 100000005 bytes are over the limit of 100", Assert.Single(big));
        Assert.Equal([1, 100_000_005], sizes);
        // More entries than the limit has bytes: refused on the count, before any entry is measured.
        Assert.Equal("ValueError: headers of 1000 bytes are over the limit of 100", Assert.Single(many));
        Assert.Equal([1000], binding.HeaderSizes);
        Assert.Empty(binding.Published);
    }

    [Fact]
    public async Task ALoggingRecordOverTheLimitArrivesCutWithAMarker()
    {
        var binding = new RecordingBinding("talker", 0) { MaxOutputLength = 1000 };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("import pluginhost\npluginhost.log(30, 'x' * 50_000_000, 'n' * 1000)\npluginhost.log(20, 'short', 'ok')");

        var records = binding.Records.ToArray();
        Assert.Equal(new string('x', 1000) + "… [49999000 more characters dropped: a line of output or logging record is cut at 1000 characters]", records[0].Message);
        Assert.Equal(new string('n', 256) + "… [744 more characters dropped: a line of output or logging record is cut at 256 characters]", records[0].Logger);
        Assert.Equal((20, "ok", "short"), records[1]);
    }

    [Fact]
    public async Task ALargeWriteCrossesInPiecesAndCountsCodePoints()
    {
        var binding = new RecordingBinding("printer", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var written = await interpreter.EvaluateAsync("__import__('pluginhost').stdout.write('a😀' * 50_000)");

        Assert.Equal(100_000L, written);
        var pieces = binding.Output.Select(o => o.Text).ToArray();
        Assert.True(pieces.Length > 1);
        Assert.All(pieces, p => Assert.True(p.Length <= 2 * PluginOutput.PieceLength));   // UTF-16: 😀 is two chars
        Assert.Equal(string.Concat(Enumerable.Repeat("a😀", 50_000)), string.Concat(pieces));
    }
}
