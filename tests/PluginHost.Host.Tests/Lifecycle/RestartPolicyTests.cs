using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The restart policy alone (no Python): window, limits, delay and the reason it gives when it refuses.</summary>
public sealed class RestartPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RestartsWithinTheWindowUpToMaxRestartsThenRefusesNamingTheKey()
    {
        var policy = new RestartPolicy(new RestartOptions { MaxRestarts = 3, Window = TimeSpan.FromMinutes(10), MaxTotalRestarts = 0 });

        var decisions = Enumerable.Range(0, 4).Select(i => policy.Decide(T0 + TimeSpan.FromMinutes(i), 0, null)).ToList();

        Assert.Equal([(true, 1), (true, 2), (true, 3), (false, 0)], decisions.Select(d => (d.Restart, d.Attempt)));
        Assert.Equal("3 restart(s) within 00:10:00 exhausted (PluginHost:Restart:MaxRestarts 3)", decisions[3].Refusal);
        Assert.Equal(3, policy.Total);
    }

    [Fact]
    public void RestartsOlderThanTheWindowNoLongerCountAndTheAttemptStartsAgain()
    {
        var policy = new RestartPolicy(new RestartOptions { MaxRestarts = 2, Window = TimeSpan.FromMinutes(1), MaxTotalRestarts = 0 });
        policy.Decide(T0, 0, null);
        policy.Decide(T0 + TimeSpan.FromSeconds(30), 0, null);

        var atTheEdge = policy.Decide(T0 + TimeSpan.FromSeconds(60), 0, null);   // the first is exactly Window old: still counts
        var slid = policy.Decide(T0 + TimeSpan.FromSeconds(61), 0, null);         // now it does not
        var slidAgain = policy.Decide(T0 + TimeSpan.FromSeconds(200), 0, null);    // both are old: attempt 1 again

        Assert.False(atTheEdge.Restart);
        Assert.Equal((true, 2), (slid.Restart, slid.Attempt));
        Assert.Equal((true, 1), (slidAgain.Restart, slidAgain.Attempt));
        Assert.Equal(4, policy.Total);
    }

    [Fact]
    public void MaxTotalRestartsBoundsTheWholeLifeWhateverTheWindow()
    {
        var policy = new RestartPolicy(new RestartOptions { MaxRestarts = 5, Window = TimeSpan.FromSeconds(1), MaxTotalRestarts = 3 });

        var decisions = Enumerable.Range(0, 4).Select(i => policy.Decide(T0 + TimeSpan.FromHours(i), 0, null)).ToList();

        Assert.Equal([true, true, true, false], decisions.Select(d => d.Restart));
        Assert.Equal("3 restart(s) in all exhausted (PluginHost:Restart:MaxTotalRestarts 3)", decisions[3].Refusal);
        Assert.All(decisions.Take(3), d => Assert.Equal(1, d.Attempt));   // each alone in its window
    }

    [Theory]
    [InlineData(2, 1, true)]
    [InlineData(2, 2, false)]
    [InlineData(0, 50, true)]   // 0: no bound
    public void MaxAbandonedRefusesOnceAsManyInterpretersAreLeftRunning(int maxAbandoned, int running, bool restarts)
    {
        var policy = new RestartPolicy(new RestartOptions { MaxAbandoned = maxAbandoned });

        var decision = policy.Decide(T0, running, null);

        Assert.Equal(restarts, decision.Restart);
        Assert.Equal(!restarts, policy.AbandonedTooMany(running));
        if (!restarts)
            Assert.Equal($"it left {running} interpreter(s) running that could not be ended (PluginHost:Restart:MaxAbandoned {maxAbandoned}); only process isolation contains such code", decision.Refusal);
    }

    [Fact]
    public void DisabledRestartsAndFailuresThatCannotHealAreRefusedAtOnceWithoutCounting()
    {
        var disabled = new RestartPolicy(new RestartOptions { Enabled = false });
        var cannotHeal = new RestartPolicy(new RestartOptions());

        var off = disabled.Decide(T0, 0, null);
        var syntax = cannotHeal.Decide(T0, 5, "SyntaxError in main.py");   // named before the abandoned bound

        Assert.Equal((false, "restarts are disabled (PluginHost:Restart:Enabled)"), (off.Restart, off.Refusal));
        Assert.Equal((false, "it cannot heal by restarting: SyntaxError in main.py"), (syntax.Restart, syntax.Refusal));
        Assert.Equal((0, 0), (disabled.Total, cannotHeal.Total));
    }

    [Fact]
    public void TheDelayGrowsByTheFactorUpToTheMaximumAndSurvivesOverflow()
    {
        var options = new RestartOptions { InitialDelay = TimeSpan.FromSeconds(1), Factor = 3, MaxDelay = TimeSpan.FromSeconds(20), MaxRestarts = 10 };
        var policy = new RestartPolicy(options);

        Assert.Equal([1, 3, 9, 20, 20], Enumerable.Range(1, 5).Select(n => RestartPolicy.Delay(options, n).TotalSeconds));
        Assert.Equal([1, 3, 9], Enumerable.Range(0, 3).Select(i => policy.Decide(T0 + TimeSpan.FromSeconds(i), 0, null).Delay.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(20), RestartPolicy.Delay(options, 100_000));   // Factor^n is infinite
        Assert.Equal(TimeSpan.FromSeconds(1), RestartPolicy.Delay(options, 0));
    }

    [Fact]
    public void HandlerFailuresRestartOnlyWhenTheRateIsReachedWithinTheFailureWindow()
    {
        var policy = new RestartPolicy(new RestartOptions { MaxHandlerFailures = 3, FailureWindow = TimeSpan.FromSeconds(10) });
        var never = new RestartPolicy(new RestartOptions { MaxHandlerFailures = 0 });

        int?[] spread = [policy.HandlerFailed(T0), policy.HandlerFailed(T0 + TimeSpan.FromSeconds(8)), policy.HandlerFailed(T0 + TimeSpan.FromSeconds(11))];
        var third = policy.HandlerFailed(T0 + TimeSpan.FromSeconds(12));
        var afresh = policy.HandlerFailed(T0 + TimeSpan.FromSeconds(13));

        Assert.Equal([null, null, null], spread);   // the first slid out before the third came
        Assert.Equal(3, third);
        Assert.Null(afresh);                          // the count starts again after a restart
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Null(never.HandlerFailed(T0)));
    }
}
