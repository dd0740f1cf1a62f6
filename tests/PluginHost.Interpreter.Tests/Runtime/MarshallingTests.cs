using System.Numerics;

namespace PluginHost.Interpreter.Tests.Runtime;

[Collection(PythonCollection.Name)]
public sealed class MarshallingTests(PythonRuntimeFixture fixture) : IAsyncLifetime
{
    private SubInterpreter _interpreter = null!;

    public async Task InitializeAsync()
    {
        _interpreter = await fixture.Runtime.CreateInterpreterAsync();
        await _interpreter.RunAsync("def echo(x): return x\ndef kind(x): return type(x).__name__");
    }

    public async Task DisposeAsync() => await _interpreter.DisposeAsync();

    public static TheoryData<object?, string> Values => new()
    {
        { null, "NoneType" },
        { true, "bool" },
        { false, "bool" },
        { 42L, "int" },
        { -7L, "int" },
        { 2.5, "float" },
        { "héllo ✓", "str" },
        { "", "str" },
        { new byte[] { 0, 1, 255 }, "bytes" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task ValuesRoundTripWithTheirPythonType(object? value, string pythonType)
    {
        Assert.Equal(pythonType, await _interpreter.CallAsync("__main__", "kind", [value]));
        Assert.Equal(value, await _interpreter.CallAsync("__main__", "echo", [value]));
    }

    [Fact]
    public async Task BytesGoInAndComeOutOfACall()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await _interpreter.RunAsync("import hashlib\ndef digest(b): return hashlib.sha256(b).digest()\ndef rev(b): return bytes(reversed(b))");

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), await _interpreter.CallAsync("__main__", "digest", [data]));
        Assert.Equal(data.Reverse().ToArray(), await _interpreter.CallAsync("__main__", "rev", [data]));
    }

    [Fact]
    public async Task IntegersBeyond64BitsBecomeBigIntegers()
    {
        Assert.Equal(BigInteger.Pow(2, 100), await _interpreter.EvaluateAsync("2 ** 100"));
        Assert.Equal(long.MinValue, await _interpreter.EvaluateAsync("-2 ** 63"));
    }

    [Fact]
    public async Task ListsTuplesAndDictsAreCopied()
    {
        var result = await _interpreter.EvaluateAsync("{'xs': [1, 'two', (3.0, None)], 'flag': True}");

        var dict = Assert.IsType<Dictionary<string, object?>>(result);
        Assert.Equal(true, dict["flag"]);
        var xs = Assert.IsType<object?[]>(dict["xs"]);
        Assert.Equal(1L, xs[0]);
        Assert.Equal("two", xs[1]);
        Assert.Equal(new object?[] { 3.0, null }, xs[2]);
    }

    [Fact]
    public async Task DotNetCollectionsBecomePythonListsAndDicts()
    {
        var value = new Dictionary<string, object?> { ["n"] = 1, ["items"] = new List<object?> { "a", 2.0 } };

        Assert.Equal("dict", await _interpreter.CallAsync("__main__", "kind", [value]));
        Assert.Equal(value.Count, ((Dictionary<string, object?>)(await _interpreter.CallAsync("__main__", "echo", [value]))!).Count);
    }

    [Fact]
    public async Task UnsupportedPythonValueIsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<InvalidCastException>(() => _interpreter.EvaluateAsync("object()"));

        Assert.Contains("'object'", error.Message);
    }

    [Fact]
    public async Task UnsupportedDotNetValueIsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _interpreter.CallAsync("__main__", "echo", [new Uri("http://example.invalid")]));

        Assert.Contains("Uri", error.Message);
    }
}
