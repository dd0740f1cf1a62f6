using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>
/// The host's own code (HostCode: the SDK's prelude, a plugin's bootstrap) is compiled by the first interpreter that
/// runs it and loaded marshalled by every other; a policy without native-code lets exactly those bytes become code.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class HostCodeTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ItRunsInEveryGovernedInterpreterFromOneCompileAndItsTrustCoversNoOtherBytes()
    {
        var code = new HostCode("""
            import sys
            def answer():
                return 41 + 1
            where = sys._getframe().f_code.co_filename
            """, "<test-host-code>");
        await using var first = await Governed.StartAsync(fixture.Runtime);
        await using var second = await Governed.StartAsync(fixture.Runtime);

        Assert.Null(code.Compiled);
        Assert.Equal(new object[] { 42L, "<test-host-code>" }, await RunAsync(first, code));
        var compiled = code.Compiled;
        Assert.NotNull(compiled);
        Assert.Equal(new object[] { 42L, "<test-host-code>" }, await RunAsync(second, code));
        Assert.Same(compiled, code.Compiled);

        // From Python, the same bytes load (they are the host's own code); a code object of the plugin's making does not.
        await second.Interpreter.InvokeAsync(scope => { scope.Exec($"trusted = bytes.fromhex('{Convert.ToHexString(compiled)}')"); return true; });
        Assert.Equal("ok", await second.TryAsync("""
            import marshal, __main__
            namespace = {}
            exec(marshal.loads(__main__.trusted), namespace)
            assert namespace["answer"]() == 42
            """));
        var crafted = await second.TryAsync("""
            import marshal, __main__
            data = bytearray(__main__.trusted)
            data[-1] ^= 1
            marshal.loads(bytes(data))
            """);
        Assert.StartsWith("PermissionError:", crafted);
        Assert.Contains("native-code", crafted);
    }

    private static async Task<object[]> RunAsync(Governed governed, HostCode code) =>
        await governed.Interpreter.InvokeAsync(scope =>
        {
            scope.Exec(code);
            return new[] { scope.Evaluate("answer()")!, scope.Evaluate("where")! };
        });
}
