using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PluginHost.Host.Configuration;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Interpreter.Policy;
using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Policy;

public sealed class CapabilityTests
{
    private const string Folder = "/srv/plugins/echo";

    [Fact]
    public void EveryNamedCapabilityParses()
    {
        var errors = new List<string>();

        var parsed = PluginCapabilities.Parse(CapabilityNames.All, Folder, "test", errors);

        Assert.Empty(errors);
        Assert.Equal((Capability)((1 << CapabilityNames.All.Count) - 1), parsed.Granted);
    }

    [Fact]
    public void PathScopedGrantsAreRelativeToThePluginFolder()
    {
        var errors = new List<string>();

        var parsed = PluginCapabilities.Parse(["filesystem.write:data", "filesystem.read:/etc/ssl", "network"], Folder, "test", errors);

        Assert.Empty(errors);
        Assert.Equal(Capability.Network, parsed.Granted);
        Assert.Equal(["/srv/plugins/echo/data"], parsed.WritePaths);
        Assert.Equal(["/etc/ssl"], parsed.ReadPaths);
        Assert.Equal(["network", "filesystem.read:/etc/ssl", "filesystem.write:/srv/plugins/echo/data"], parsed.Names);
    }

    [Fact]
    public void HostFunctionGrantsNameOneFunctionOrAll()
    {
        var errors = new List<string>();

        var some = PluginCapabilities.Parse(["host:text.slugify", "network", "host:host.info"], Folder, "test", errors);
        var all = PluginCapabilities.Parse(["host:*", "host:text.slugify"], Folder, "test", errors);

        Assert.Empty(errors);
        Assert.Equal(Capability.Network, some.Granted);
        Assert.True(some.HostFunctions.Allows("text.slugify") && some.HostFunctions.Allows("host.info"));
        Assert.False(some.HostFunctions.Allows("text.other"));
        Assert.Equal(["network", "host:host.info", "host:text.slugify"], some.Names);
        Assert.True(all.HostFunctions.Allows("anything"));
        Assert.Equal(["host:*"], all.Names);
    }

    [Theory]
    [InlineData("host:", "names no host function")]
    [InlineData("fs.read", "unknown capability 'fs.read'")]
    [InlineData("network:example.org", "unknown capability 'network:example.org'")]
    [InlineData("filesystem.write:", "names no directory")]
    public void AnUnknownCapabilityIsAnErrorNamingTheKnownOnes(string name, string error)
    {
        var errors = new List<string>();

        PluginCapabilities.Parse([name], Folder, "PluginHost:Plugins:echo:Capabilities", errors);

        var message = Assert.Single(errors);
        Assert.StartsWith("PluginHost:Plugins:echo:Capabilities: ", message);
        Assert.Contains(error, message);
        if (error.StartsWith("unknown", StringComparison.Ordinal))
            Assert.Contains("known: cwd, environment, filesystem.read, filesystem.write, network, native-code, process.spawn, process.signal, process.exit, process.control, process.stdio", message);
    }

    [Fact]
    public void ConfigurationReplacesTheManifestsList()
    {
        var descriptor = Descriptor("network", "process.spawn");
        var errors = new List<string>();

        var fromManifest = PluginPolicies.Resolve(descriptor, null, errors);
        var configured = PluginPolicies.Resolve(descriptor, ["cwd"], errors);
        var revoked = PluginPolicies.Resolve(descriptor, [""], errors);

        Assert.Empty(errors);
        Assert.Equal(Capability.Network | Capability.ProcessSpawn, fromManifest.Granted);
        Assert.Equal(Capability.Cwd, configured.Granted);
        Assert.Equal(Capability.None, revoked.Granted);
    }

    [Fact]
    public void ConfigurationBindsTheOverrideIncludingTheEmptyOne()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PluginHost:Plugins:a:Capabilities:0"] = "network",
                ["PluginHost:Plugins:a:Capabilities:1"] = "filesystem.write:out",
                ["PluginHost:Plugins:b:Capabilities:0"] = "",
                ["PluginHost:Plugins:c:Instances"] = "2",
            })
            .Build();

        var options = configuration.GetSection("PluginHost").Get<PluginHostOptions>()!;

        Assert.Equal(["network", "filesystem.write:out"], options.Plugins["a"].Capabilities);
        Assert.Equal([""], options.Plugins["b"].Capabilities);
        Assert.Null(options.Plugins["c"].Capabilities);
    }

    [Fact]
    public void ThePolicySaysWhereToGrantWhatIsMissing()
    {
        var descriptor = Descriptor();

        var manifest = PluginPolicies.Create(descriptor, PluginCapabilities.None, configured: false, new PolicyMonitor("echo", 0, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        var configured = PluginPolicies.Create(descriptor, PluginCapabilities.None, configured: true, new PolicyMonitor("echo", 0, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));

        Assert.Equal("plugin 'echo'", manifest.Owner);
        Assert.Equal(Folder, manifest.Home);
        Assert.Equal("add \"cwd\" to \"capabilities\" in plugin.json, or grant it with PluginHost:Plugins:echo:Capabilities", string.Format(manifest.GrantHint!, "cwd"));
        Assert.Equal("add \"cwd\" to PluginHost:Plugins:echo:Capabilities, which replaces plugin.json's list for this host", string.Format(configured.GrantHint!, "cwd"));
    }

    [Theory]
    [InlineData("network")]
    [InlineData("filesystem.read")]
    [InlineData("filesystem.write:data")]
    [InlineData("filesystem.read:/var/lib/x")]
    [InlineData("process.control")]
    public void TheSchemaAcceptsEachCapability(string name)
    {
        var manifest = JsonSerializer.SerializeToElement(new PluginManifest { Name = "x", Version = "1.0.0", Entry = "main", Capabilities = [name] });

        Assert.Empty(ManifestSchema.Validate(manifest));
    }

    [Fact]
    public void TheSchemaRefusesAnUnknownCapabilityByName()
    {
        var manifest = JsonSerializer.SerializeToElement(new PluginManifest { Name = "x", Version = "1.0.0", Entry = "main", Capabilities = ["network", "fs.read"] });

        var error = Assert.Single(ManifestSchema.Validate(manifest));

        Assert.Equal("/capabilities/1: \"fs.read\" is not a capability: cwd, environment, filesystem.read, filesystem.write, filesystem.read:<dir>, filesystem.write:<dir>, network, native-code, process.spawn, process.signal, process.exit, process.control, process.stdio, host:<function> or host:*", error);
    }

    [Fact]
    public void TheSchemaListsTheSameCapabilitiesAsThePolicy()
    {
        using var schema = JsonDocument.Parse(ManifestSchema.Text);
        var pattern = schema.RootElement.GetProperty("properties").GetProperty("capabilities").GetProperty("items").GetProperty("pattern").GetString()!;
        var regex = new System.Text.RegularExpressions.Regex(pattern);

        Assert.All(CapabilityNames.All, name => Assert.Matches(regex, name));
        Assert.DoesNotMatch(regex, "filesystem.exec");
    }

    private static PluginDescriptor Descriptor(params string[] capabilities) =>
        new("echo", Folder, new PluginManifest { Name = "echo", Version = "1.0.0", Entry = "main", Capabilities = capabilities }, new Dictionary<string, object?>(), 1, true, null);
}
