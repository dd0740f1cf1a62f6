namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// The raw side of a plugin's sys.stdout/sys.stderr: <c>Stream._write_bytes</c> and the <c>io.TextIOWrapper</c> the
/// prelude builds over it (<c>pluginhost._std_stream</c>), against a recording binding.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class StreamBytesTests(PythonRuntimeFixture fixture)
{
    private static string Text(RecordingBinding binding, bool error = false) =>
        string.Concat(binding.Output.Where(o => o.Error == error).Select(o => o.Text));

    [Fact]
    public async Task ACharacterSplitAcrossWritesIsJoined()
    {
        var binding = new RecordingBinding("p", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var counts = await interpreter.EvaluateAsync("""
            (lambda w, data: [w(data[:1]), w(data[1:3]), w(data[3:])])(__import__('pluginhost').stdout._write_bytes, 'żółw 🐢\n'.encode())
            """);

        Assert.Equal(new object?[] { 1L, 2L, 10L }, (object?[])counts!);
        Assert.Equal("żółw 🐢\n", Text(binding));
    }

    [Fact]
    public async Task InvalidBytesAreReplacedAndAnyBytesLikeObjectIsTaken()
    {
        var binding = new RecordingBinding("p", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("""
            import pluginhost
            w = pluginhost.stderr._write_bytes
            assert w(b'a\xffb') == 3
            assert w(bytearray(b'c')) == 1
            assert w(memoryview(b'de')) == 2
            try:
                w('str')
            except TypeError:
                pass
            else:
                raise AssertionError('str taken')
            """);

        Assert.Equal("a\uFFFDbcde", Text(binding, error: true));
    }

    [Fact]
    public async Task TheTextWrapperIsAnUnbufferedTextIOWrapperOverTheLog()
    {
        var binding = new RecordingBinding("p", 0);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        await interpreter.RunAsync("""
            import io, pluginhost
            out = pluginhost._std_stream(pluginhost.stdout, '<stdout>', 'strict')
            assert isinstance(out, io.TextIOWrapper) and out.name == '<stdout>' and out.mode == 'w'
            assert (out.encoding, out.errors, out.line_buffering, out.write_through) == ('utf-8', 'strict', True, True)
            print('no newline yet', end='', file=out)
            out.buffer.write(b' bytes')
            try:
                out.fileno()
            except io.UnsupportedOperation:
                pass
            else:
                raise AssertionError('a descriptor')
            out.reconfigure(errors='replace')
            print(' \ud800 end', file=out)
            """);

        // Nothing waits in a Python buffer: every write reached the binding at once.
        Assert.Equal("no newline yet bytes ? end\n", Text(binding));
    }
}
