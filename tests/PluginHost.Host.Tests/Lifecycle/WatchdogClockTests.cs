using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The host's one timer for every instance's watchdog and memory sampler (each keeps its own period).</summary>
public sealed class WatchdogClockTests
{
    [Fact]
    public async Task EachWatchRunsAtItsOwnPeriodAndStopsWhenRemoved()
    {
        var clock = new WatchdogClock(new CapturedLogs().CreateLogger("clock"));
        int fast = 0, slow = 0;
        var fastWatch = clock.Add(TimeSpan.FromMilliseconds(20), () => Interlocked.Increment(ref fast));
        using var slowWatch = clock.Add(TimeSpan.FromMilliseconds(400), () => Interlocked.Increment(ref slow));

        await Until(() => Volatile.Read(ref fast) >= 10, 10);
        // The slow one is due far less often: no more than once per 400 ms since it was added (plus the tick in flight).
        Assert.True(Volatile.Read(ref slow) * 8 < Volatile.Read(ref fast), $"slow {slow}, fast {fast}");

        fastWatch.Dispose();
        var stopped = Volatile.Read(ref fast);
        await Until(() => Volatile.Read(ref slow) >= 2, 10);
        Assert.InRange(Volatile.Read(ref fast), stopped, stopped + 1);   // at most a tick that had already begun
    }

    [Fact]
    public async Task AWatchThatThrowsIsLoggedAndTheOthersGoOn()
    {
        var logs = new CapturedLogs();
        var clock = new WatchdogClock(logs.CreateLogger("clock"));
        var ran = 0;
        using var failing = clock.Add(TimeSpan.FromMilliseconds(10), () => throw new InvalidOperationException("watch bug"));
        using var healthy = clock.Add(TimeSpan.FromMilliseconds(10), () => Interlocked.Increment(ref ran));

        await Until(() => Volatile.Read(ref ran) >= 5, 10);
        Assert.Contains(logs.Records, r => r.EventId == LogEvents.WatchFailed);
    }
}
