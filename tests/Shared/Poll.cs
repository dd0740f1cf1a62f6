namespace PluginHost.Tests.Shared;

/// <summary>Waiting for what another thread or process does, by polling (imported statically in both test projects).</summary>
public static class Poll
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Until(Func<bool> condition, double seconds = 5)
    {
        if (!await Within(condition, TimeSpan.FromSeconds(seconds)))
            Assert.Fail($"Condition not met within {seconds} s.");
    }

    /// <summary>
    /// Polls every <paramref name="intervalMs"/> until <paramref name="condition"/> holds or <paramref name="timeout"/>
    /// passed; returns whether it held, for a caller that reports the failure itself (with a child process's output).
    /// </summary>
    public static async Task<bool> Within(Func<bool> condition, TimeSpan timeout, int intervalMs = 5)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(intervalMs);
        }
        return true;
    }
}
