using Microsoft.Extensions.Diagnostics.HealthChecks;
using PluginHost.Host.Health;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Health;

[Collection(PythonCollection.Name)]
public sealed class HealthCheckTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task EachPluginReportsItsOwnHealthAndAFailedInstanceDegradesTheHost()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Plugin("fine", "def setup(ctx):\n    pass\n", "\"instances\": 2");
        harness.Plugin("broken", "def setup(ctx):\n    raise RuntimeError('no database')\n");
        var supervisor = await harness.StartAsync();
        var context = new HealthCheckContext();

        var fine = await new PluginHealthCheck("fine", supervisor).CheckHealthAsync(context);
        var broken = await new PluginHealthCheck("broken", supervisor).CheckHealthAsync(context);
        var host = await new HostHealthCheck(supervisor).CheckHealthAsync(context);

        Assert.Equal(HealthStatus.Healthy, fine.Status);
        Assert.Equal("2 of 2 instances running", fine.Description);
        Assert.Equal(HealthStatus.Unhealthy, broken.Status);
        Assert.Contains("no database", (string)broken.Data["instance 0"]);
        Assert.Equal(HealthStatus.Degraded, host.Status);
        Assert.Equal("2 of 3 plugin instances running; failed: broken/0", host.Description);
        Assert.Equal(2, host.Data["running"]);
        Assert.Equal(1, host.Data["failed"]);
    }
}
