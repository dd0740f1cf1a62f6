using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The whole stop's budget (no Python): its shares, its invariant, the host's token, the generic host's own timeout.</summary>
public sealed class StopBudgetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(3600)]
    public void TheInterpretersThreadEndWaitStaysBelowTheSmallestEndWait(int seconds)
    {
        var stopTimeout = TimeSpan.FromSeconds(seconds);
        var budget = new StopBudget(stopTimeout);

        // The end wait is what is left of T after the teardown share: never less than T/2.
        var smallestEndWait = budget.EndLeft - budget.TeardownLeft;

        Assert.True(StopBudget.ThreadEndTimeout(stopTimeout) < smallestEndWait, $"{StopBudget.ThreadEndTimeout(stopTimeout)} vs {smallestEndWait}");
        Assert.True(budget.TeardownLeft <= stopTimeout / 2 && budget.EndLeft <= stopTimeout);
    }

    [Fact]
    public void TheHostsTokenSpendsEveryShareAtOnce()
    {
        using var cancellation = new CancellationTokenSource();
        var budget = new StopBudget(TimeSpan.FromHours(1), cancellation.Token);
        Assert.True(budget.TeardownLeft > TimeSpan.Zero);

        cancellation.Cancel();

        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (budget.TeardownLeft, budget.EndLeft));
    }

    [Fact]
    public void ASpentBudgetLeavesNothingRatherThanANegativeWait()
    {
        var budget = new StopBudget(TimeSpan.FromTicks(1));
        SpinWait.SpinUntil(() => budget.Elapsed > TimeSpan.FromMilliseconds(1));

        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (budget.TeardownLeft, budget.EndLeft));
    }

    [Fact]
    public void TheGenericHostWaitsStopTimeoutPlusTheFinalisationSlack()
    {
        var settings = Directory.CreateTempSubdirectory("pluginhost-stopbudget-");
        try
        {
            using var host = PluginHostBuilder.Create(["--PluginHost:StopTimeout=00:02:00"], settings.FullName).Build();

            var shutdown = host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;

            Assert.Equal(TimeSpan.FromMinutes(2) + StopBudget.FinalizationSlack, shutdown);   // the default would be 30 s
        }
        finally
        {
            settings.Delete(recursive: true);
        }
    }
}
