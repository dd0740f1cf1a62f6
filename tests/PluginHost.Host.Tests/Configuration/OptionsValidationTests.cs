using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Tests.Configuration;

public sealed class OptionsValidationTests
{
    private static IHost Build(Dictionary<string, string?> configuration) => OptionsHosts.Build(configuration);

    private static async Task<string> StartFailure(Dictionary<string, string?> configuration)
    {
        using var host = Build(configuration);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        return failure.Message;
    }

    [Fact]
    public void DefaultsApplyWhenNothingIsConfigured()
    {
        using var host = Build([]);

        var options = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;

        Assert.Equal(["plugins"], options.PluginDirectories);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StartTimeout);
        Assert.Empty(options.Plugins);
        Assert.Null(host.Services.GetRequiredService<IOptions<PythonOptions>>().Value.Library);
    }

    [Fact]
    public void ConfiguredDirectoriesReplaceTheDefault()
    {
        using var host = Build(new() { ["PluginHost:PluginDirectories:0"] = "a", ["PluginHost:PluginDirectories:1"] = "/b" });

        Assert.Equal(["a", "/b"], host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value.PluginDirectories);
    }

    [Fact]
    public void PluginEntriesBindWithNestedSettings()
    {
        using var host = Build(new()
        {
            ["PluginHost:Plugins:echo:Enabled"] = "false",
            ["PluginHost:Plugins:echo:Path"] = "/opt/echo",
            ["PluginHost:Plugins:echo:Instances"] = "4",
            ["PluginHost:Plugins:echo:Settings:port"] = "80",
            ["PluginHost:Plugins:echo:Settings:db:host"] = "h",
            ["Python:Library"] = "/usr/lib/libpython3.13.so",
        });

        var echo = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value.Plugins["ECHO"];

        Assert.False(echo.Enabled);
        Assert.Equal("/opt/echo", echo.Path);
        Assert.Equal(4, echo.Instances);
        Assert.Equal("80", echo.Settings["port"]);
        Assert.Equal("h", echo.Settings["db:host"]);
        Assert.Equal("/usr/lib/libpython3.13.so", host.Services.GetRequiredService<IOptions<PythonOptions>>().Value.ToRuntimeOptions().Library);
    }

    [Fact]
    public async Task StopTimeoutOfZeroStopsTheHostNamingTheKey()
    {
        using var host = Build(new() { ["PluginHost:StopTimeout"] = "00:00:00" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PluginHost:StopTimeout must be between 00:00:00.0010000 and 01:00:00", failure.Message);
    }

    [Fact]
    public async Task AnOutputLineLimitOutOfRangeNamesTheKey()
    {
        Assert.Contains("PluginHost:MaxOutputLineLength must be between 256 and 16777216", await StartFailure(new() { ["PluginHost:MaxOutputLineLength"] = "10" }));
    }

    [Fact]
    public async Task UnparsableTimeoutNamesTheKey()
    {
        Assert.Contains("PluginHost:StartTimeout", await StartFailure(new() { ["PluginHost:StartTimeout"] = "soon" }));
    }

    [Fact]
    public async Task PluginInstancesOutOfRangeNamesTheKey()
    {
        var message = await StartFailure(new() { ["PluginHost:Plugins:echo:Instances"] = "0" });

        Assert.Contains("PluginHost:Plugins:echo:Instances must be between 1 and 64; it is 0.", message);
    }

    [Fact]
    public async Task PluginKeyThatIsNoPluginNameIsNamed()
    {
        var message = await StartFailure(new() { ["PluginHost:Plugins:Not A Name:Enabled"] = "false" });

        Assert.Contains("PluginHost:Plugins:Not A Name: 'Not A Name' is not a plugin name", message);
    }

    [Fact]
    public async Task PluginKeyWithAReservedNameIsNamed()
    {
        var message = await StartFailure(new() { ["PluginHost:Plugins:pluginhost:Enabled"] = "false" });

        Assert.Contains("PluginHost:Plugins:pluginhost: 'pluginhost' is reserved: the host itself sends messages under it", message);
    }

    [Fact]
    public async Task EmptyPluginDirectoryIsNamed()
    {
        var message = await StartFailure(new() { ["PluginHost:PluginDirectories:0"] = " " });

        Assert.Contains("PluginHost:PluginDirectories:0 is empty", message);
    }

    [Fact]
    public async Task ValidConfigurationStarts()
    {
        using var host = Build(new() { ["PluginHost:StopTimeout"] = "00:00:02", ["PluginHost:Plugins:echo:Instances"] = "2" });

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void StartupValidatorChecksWithoutStartingTheHost()
    {
        using var host = Build(new() { ["PluginHost:StartTimeout"] = "-00:00:01" });

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("PluginHost:StartTimeout", failure.Message);
    }
}
