using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Tests.Configuration;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary><c>PluginHost:Sandbox</c>: bound and validated at start like the other sections.</summary>
public sealed class SandboxOptionsTests
{
    [Fact]
    public void TheBackstopIsOnByDefaultAndNotRequired()
    {
        using var host = OptionsHosts.Build([]);

        var options = host.Services.GetRequiredService<IOptions<SandboxOptions>>().Value;

        Assert.True(options.Enabled);
        Assert.False(options.Required);
        Assert.Empty(options.AllowSyscalls);
    }

    [Fact]
    public void ConfiguredValuesBind()
    {
        using var host = OptionsHosts.Build(new()
        {
            ["PluginHost:Sandbox:Enabled"] = "false",
            ["PluginHost:Sandbox:Required"] = "true",
            ["PluginHost:Sandbox:AllowSyscalls:0"] = "ptrace",
            ["PluginHost:Sandbox:AllowSyscalls:1"] = "keyctl",
        });

        var options = host.Services.GetRequiredService<IOptions<SandboxOptions>>().Value;

        Assert.False(options.Enabled);
        Assert.True(options.Required);
        Assert.Equal(["ptrace", "keyctl"], options.AllowSyscalls);
    }

    [Fact]
    public async Task ASyscallTheFilterDoesNotKnowStopsTheStartNamingTheKey()
    {
        using var host = OptionsHosts.Build(new() { ["PluginHost:Sandbox:AllowSyscalls:0"] = "ptrace", ["PluginHost:Sandbox:AllowSyscalls:1"] = "openat" });

        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PluginHost:Sandbox:AllowSyscalls:1: 'openat' is not a syscall the filter denies", failure.Message);
        Assert.DoesNotContain("AllowSyscalls:0", failure.Message);
    }
}
