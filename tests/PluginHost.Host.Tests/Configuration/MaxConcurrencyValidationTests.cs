using PluginHost.Host.Configuration;
using PluginHost.Host.Isolation;
using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;
using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Configuration;

/// <summary>
/// MaxConcurrency (issue 19): manifest <c>maxConcurrency</c> and <c>PluginHost:Plugins:&lt;name&gt;:MaxConcurrency</c>,
/// 1 by default; a bad value is refused naming its key (one that is no whole number: StrictConfigurationTests), and
/// above 1 is refused with isolation process.
/// </summary>
public sealed class MaxConcurrencyValidationTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    [Fact]
    public void TheManifestValueIsReadAndOneIsTheDefault()
    {
        var set = ManifestReader.Read(_folders.Plugin("many", PluginFolders.Manifest("many", extra: "\"maxConcurrency\": 100"), "main.py"));
        var unset = ManifestReader.Read(_folders.Plugin("one", PluginFolders.Manifest("one"), "main.py"));

        Assert.True(set.IsValid, set.ErrorText);
        Assert.Equal(100, set.Manifest!.MaxConcurrency);
        Assert.Equal(1, unset.Manifest!.MaxConcurrency);
    }

    [Theory]
    [InlineData("0", "0 should be at least 1")]
    [InlineData("-3", "-3 should be at least 1")]
    [InlineData("2.5", "/maxConcurrency")]
    [InlineData("\"ten\"", "/maxConcurrency")]
    [InlineData("10001", "/maxConcurrency")]
    public void ABadManifestValueIsRefusedNamingTheKey(string value, string expected)
    {
        var result = ManifestReader.Read(_folders.Plugin("bad", PluginFolders.Manifest("bad", extra: $"\"maxConcurrency\": {value}"), "main.py"));

        Assert.Null(result.Manifest);
        Assert.Contains("plugin.json /maxConcurrency", result.ErrorText);
        Assert.Contains(expected, result.ErrorText);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("10001")]
    public async Task AConfiguredValueOutOfRangeStopsTheStartNamingTheKey(string value)
    {
        using var host = OptionsHosts.Build(new() { ["PluginHost:Plugins:echo:MaxConcurrency"] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains($"PluginHost:Plugins:echo:MaxConcurrency must be a whole number between 1 and 10000; it is {value}.", failure.Message);
    }

    [Theory]
    [InlineData(null, 4)]
    [InlineData(1, 4)]
    public void AboveOneIsRefusedForAWorkerProcessNamingWhereItCameFrom(int? manifestValue, int configured)
    {
        var manifest = new PluginManifest { Name = "worker", Version = "1.0.0", Entry = "main", Isolation = "process", MaxConcurrency = manifestValue ?? 1 };
        var descriptor = new PluginDescriptor("worker", _folders.Root, manifest, new Dictionary<string, object?>(), 1, true, null);

        var mode = IsolationModes.Of(descriptor, new PluginOptions { MaxConcurrency = configured }, out var error);

        Assert.Null(mode);
        Assert.Contains("MaxConcurrency 4 (PluginHost:Plugins:worker:MaxConcurrency) needs isolation subinterpreter", error);
    }

    [Fact]
    public void AManifestValueAboveOneIsRefusedForAWorkerProcessAndOneIsAccepted()
    {
        var many = new PluginManifest { Name = "worker", Version = "1.0.0", Entry = "main", Isolation = "process", MaxConcurrency = 8 };
        var descriptor = new PluginDescriptor("worker", _folders.Root, many, new Dictionary<string, object?>(), 1, true, null);

        Assert.Null(IsolationModes.Of(descriptor, null, out var error));
        Assert.Contains("MaxConcurrency 8 (plugin.json maxConcurrency) needs isolation subinterpreter", error);
        Assert.Equal(IsolationMode.Process, IsolationModes.Of(descriptor, new PluginOptions { MaxConcurrency = 1 }, out var none));
        Assert.Null(none);
        Assert.Equal(IsolationMode.Subinterpreter, IsolationModes.Of(descriptor, new PluginOptions { Isolation = "subinterpreter" }, out _));
    }

    public void Dispose() => _folders.Dispose();
}
