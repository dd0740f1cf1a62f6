using System.Text;
using PluginHost.Host.HostFunctions;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.HostFunctions;

/// <summary>What one plugin may call and how a call's failures come out (no Python).</summary>
public sealed class HostFunctionScopeTests
{
    private static readonly HostPayload Null = new("null"u8.ToArray(), ContentTypes.Json);

    private static HostFunctionScope Scope(HostFunctionGrants grants, List<string>? failures = null) => new(
        "p", 0, HostFunctionTable.Build([new Own()], "p"), HostFunctionTable.Build([new Shared()], null), grants, "grant \"{0}\"",
        (function, e) => failures?.Add($"{function}: {e.Message}"));

    [Fact]
    public async Task APluginsOwnFunctionsNeedNoGrant() =>
        Assert.Equal("own", Encoding.UTF8.GetString((await Scope(HostFunctionGrants.None).CallAsync("own.name", Null, TimeSpan.FromSeconds(10))).Bytes.Span));

    [Fact]
    public void AHostFunctionWithoutItsGrantIsDeniedNamingTheCapability()
    {
        var error = Assert.Throws<UnauthorizedAccessException>(() => Scope(HostFunctionGrants.None).Resolve("shared.wait"));

        Assert.Equal("plugin 'p' may not call host function 'shared.wait': it needs capability 'host:shared.wait'; grant \"host:shared.wait\"", error.Message);
    }

    [Fact]
    public async Task AFunctionPastItsTimeoutIsCancelledAndTimesOut()
    {
        var scope = Scope(new HostFunctionGrants(true, new HashSet<string>()));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => scope.CallAsync("shared.wait", Null, TimeSpan.FromMilliseconds(50)));

        Assert.Equal("host function 'shared.wait' did not finish within 00:00:00.0500000", error.Message);
    }

    [Fact]
    public async Task AFunctionsExceptionIsReportedAndCarriedWithItsMessage()
    {
        var failures = new List<string>();

        var error = await Assert.ThrowsAsync<HostFunctionException>(() => Scope(HostFunctionGrants.None, failures).CallAsync("own.fail", Null, TimeSpan.FromSeconds(10)));

        Assert.Equal("no such order: 7", error.Message);
        Assert.IsType<KeyNotFoundException>(error.InnerException);
        Assert.Equal(["own.fail: no such order: 7"], failures);
    }

    private sealed class Own : IHostFunctions
    {
        [HostFunction("own.name")]
        public string Name() => "own";

        [HostFunction("own.fail")]
        public string Fail() => throw new KeyNotFoundException("no such order: 7");
    }

    private sealed class Shared : IHostFunctions
    {
        [HostFunction("shared.wait")]
        public async Task Wait(CancellationToken cancellationToken) => await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
