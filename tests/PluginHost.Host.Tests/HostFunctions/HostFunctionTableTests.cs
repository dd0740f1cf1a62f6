using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>Discovering [HostFunction] methods and marshalling their arguments and results (no Python).</summary>
public sealed class HostFunctionTableTests
{
    private static HostPayload Json(string json) => new(Encoding.UTF8.GetBytes(json), ContentTypes.Json);

    private static async Task<(string ContentType, string Text)> Invoke(IHostFunctions target, string name, HostPayload argument)
    {
        Assert.True(HostFunctionTable.Build([target], owner: null).TryGet(name, out var function));
        var result = await function.InvokeAsync(new HostCall("p", 0, name), argument, default);
        return (result.ContentType, Encoding.UTF8.GetString(result.Bytes.Span));
    }

    [Fact]
    public void TheHostsOwnFunctionsAreFoundInItsAssemblyAndRegistered()
    {
        var services = new ServiceCollection().AddLogging().AddHostFunctions();
        using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<HostFunctionRegistry>();

        Assert.Contains("host.info", registry.Host.Names);
        Assert.Contains(provider.GetServices<IHostFunctions>(), f => f is HostInfoFunctions);
    }

    [Fact]
    public async Task ResultsAreTextBytesOrJsonByType()
    {
        var target = new Kinds();

        Assert.Equal((ContentTypes.Text, "HI"), await Invoke(target, "upper", new(Encoding.UTF8.GetBytes("hi"), ContentTypes.Text)));
        Assert.Equal((ContentTypes.Bytes, "\u0002\u0001"), await Invoke(target, "reverse", new(new byte[] { 1, 2 }, ContentTypes.Bytes)));
        Assert.Equal((ContentTypes.Json, """{"sum":6,"count":3}"""), await Invoke(target, "stats", Json("[1,2,3]")));
        Assert.Equal((ContentTypes.Json, "null"), await Invoke(target, "nothing", Json("null")));
        Assert.Equal((ContentTypes.Json, "7"), await Invoke(target, "later", Json("null")));
    }

    [Fact]
    public async Task APayloadTheFunctionCannotTakeIsATypeError()
    {
        var error = await Assert.ThrowsAnyAsync<InvalidCastException>(() => Invoke(new Kinds(), "reverse", Json("1")));

        Assert.Equal("host function 'reverse' takes bytes, not a JSON value", error.Message);
    }

    [Theory]
    [InlineData(typeof(Duplicate), "host function 'same' is defined twice")]
    [InlineData(typeof(BadName), "host function name '9lives' is invalid")]
    [InlineData(typeof(TwoPayloads), "takes 2 payload parameters; it may take one")]
    public void InvalidFunctionsAreRefusedWithTheReason(Type type, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => HostFunctionTable.Build([(IHostFunctions)Activator.CreateInstance(type)!], owner: null));

        Assert.Contains(reason, error.Message);
    }

    private sealed class Kinds : IHostFunctions
    {
        [HostFunction("upper")]
        public string Upper(string text) => text.ToUpperInvariant();

        [HostFunction("reverse")]
        public byte[] Reverse(ReadOnlyMemory<byte> bytes) => [.. bytes.ToArray().Reverse()];

        [HostFunction("stats")]
        public Stats Statistics(int[] numbers, CancellationToken cancellationToken) => new(numbers.Sum(), numbers.Length);

        [HostFunction("nothing")]
        public void Nothing()
        {
        }

        [HostFunction("later")]
        public async ValueTask<int> Later()
        {
            await Task.Yield();
            return 7;
        }

        public sealed record Stats(int Sum, int Count);
    }

    private sealed class Duplicate : IHostFunctions
    {
        [HostFunction("same")]
        public int A() => 1;

        [HostFunction("same")]
        public int B() => 2;
    }

    private sealed class BadName : IHostFunctions
    {
        [HostFunction("9lives")]
        public int A() => 1;
    }

    private sealed class TwoPayloads : IHostFunctions
    {
        [HostFunction("two")]
        public int A(string a, string b) => 1;
    }
}
