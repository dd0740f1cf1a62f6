using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Tests.Configuration;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Builds hosts with <see cref="PluginHostBuilder"/>; sets process environment variables, so runs alone.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConfigurationSourcesTests : IDisposable
{
    private const string StopTimeoutVariable = "PLUGINHOST_PluginHost__StopTimeout";

    private readonly string _settingsDirectory = Path.Combine(Path.GetTempPath(), "pluginhost-settings-" + Guid.NewGuid().ToString("N"));

    public ConfigurationSourcesTests() => Directory.CreateDirectory(_settingsDirectory);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(StopTimeoutVariable, null);
        Directory.Delete(_settingsDirectory, recursive: true);
    }

    private PluginHostOptions Bind(params string[] args)
    {
        using var host = PluginHostBuilder.Create(args, _settingsDirectory).Build();
        return host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;
    }

    private void WriteAppSettings(string json) => File.WriteAllText(Path.Combine(_settingsDirectory, "appsettings.json"), json);

    [Fact]
    public void AppSettingsNextToTheBinaryIsRead()
    {
        WriteAppSettings("""{ "PluginHost": { "StopTimeout": "00:00:03", "PluginDirectories": ["mine"] } }""");

        var options = Bind();

        Assert.Equal(TimeSpan.FromSeconds(3), options.StopTimeout);
        Assert.Equal(["mine"], options.PluginDirectories);
    }

    [Fact]
    public void EnvironmentVariableOverridesAppSettings()
    {
        WriteAppSettings("""{ "PluginHost": { "StopTimeout": "00:00:03" } }""");
        Environment.SetEnvironmentVariable(StopTimeoutVariable, "00:00:05");

        Assert.Equal(TimeSpan.FromSeconds(5), Bind().StopTimeout);
    }

    [Fact]
    public void CommandLineOverridesEnvironmentVariable()
    {
        Environment.SetEnvironmentVariable(StopTimeoutVariable, "00:00:05");

        Assert.Equal(TimeSpan.FromSeconds(7), Bind("--PluginHost:StopTimeout=00:00:07").StopTimeout);
    }

    [Fact]
    public void UnprefixedEnvironmentVariablesAreNotConfiguration()
    {
        Environment.SetEnvironmentVariable("PluginHost__StartTimeout", "00:00:01");
        try
        {
            Assert.Equal(TimeSpan.FromSeconds(30), Bind().StartTimeout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PluginHost__StartTimeout", null);
        }
    }

    [Fact]
    public async Task BadCommandLineValueStopsTheHostNamingTheKey()
    {
        using var host = PluginHostBuilder.Create(["--PluginHost:StopTimeout=-00:00:01"], _settingsDirectory).Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PluginHost:StopTimeout", failure.Message);
    }

    [Fact]
    public void CatalogIsRegisteredOverTheContentRoot()
    {
        using var host = PluginHostBuilder.Create(["--PluginHost:PluginDirectories:0=" + _settingsDirectory], _settingsDirectory).Build();

        var catalog = host.Services.GetRequiredService<PluginCatalog>();

        Assert.Equal(host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath, catalog.ContentRoot);
        Assert.Equal([_settingsDirectory], catalog.Options.PluginDirectories);
    }
}
