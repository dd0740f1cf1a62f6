using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;

namespace PluginHost.Host.Tests.Configuration;

public sealed class RestartOptionsTests
{
    private static IHost Build(Dictionary<string, string?> configuration) => OptionsHosts.Build(configuration);

    [Fact]
    public void RestartsAreOnByDefault()
    {
        using var host = Build([]);

        var restart = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value.RestartFor("any");

        Assert.True(restart.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(1), restart.InitialDelay);
        Assert.Equal(5, restart.MaxRestarts);
    }

    [Fact]
    public void APluginsRestartKeysOverrideTheGlobalPolicyKeyByKey()
    {
        using var host = Build(new()
        {
            ["PluginHost:Restart:InitialDelay"] = "00:00:03",
            ["PluginHost:Restart:MaxRestarts"] = "9",
            ["PluginHost:Plugins:echo:Restart:MaxRestarts"] = "1",
        });

        var options = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;

        Assert.Equal((TimeSpan.FromSeconds(3), 1), (options.RestartFor("echo").InitialDelay, options.RestartFor("echo").MaxRestarts));
        Assert.Equal((TimeSpan.FromSeconds(3), 9), (options.RestartFor("other").InitialDelay, options.RestartFor("other").MaxRestarts));
    }

    [Fact]
    public async Task InvalidRestartAndMemoryKeysAreNamed()
    {
        using var host = Build(new()
        {
            ["PluginHost:Restart:Factor"] = "0.5",
            ["PluginHost:Plugins:echo:Restart:MaxDelay"] = "00:00:00",
            ["PluginHost:Plugins:echo:MemoryLimitMiB"] = "0",
        });

        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PluginHost:Restart:Factor must be between 1 and 100; it is 0.5.", failure.Message);
        Assert.Contains("PluginHost:Plugins:echo:Restart:MaxDelay must be at least InitialDelay", failure.Message);
        Assert.Contains("PluginHost:Plugins:echo:MemoryLimitMiB must be between 1 and 1048576", failure.Message);
    }
}
