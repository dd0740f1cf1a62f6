namespace PluginHost.Host.Configuration;

/// <summary>
/// When and how a failed plugin instance is restarted in a fresh interpreter: <c>PluginHost:Restart</c>, overridable
/// key by key under <c>PluginHost:Plugins:&lt;name&gt;:Restart</c>. The delay before restart n (from 1) is
/// <c>min(InitialDelay × Factor^(n-1), MaxDelay)</c>; more than <see cref="MaxRestarts"/> within <see cref="Window"/>
/// (or more than <see cref="MaxTotalRestarts"/> in all) and the instance stays Failed. CPython keeps part of every
/// ended interpreter's memory (1.7–4 MiB measured), so these maximums bound what a crash loop costs the process.
/// </summary>
internal sealed class RestartOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public double Factor { get; set; } = 2;

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Restarts allowed within <see cref="Window"/>; the next failure leaves the instance Failed.</summary>
    public int MaxRestarts { get; set; } = 5;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Restarts over the instance's whole life; 0: no limit. Each costs the process what its ended interpreter kept
    /// (measured 1.7 MiB bare to ~4 MiB with json/re/logging imported), so a plugin failing slowly but forever stops here.
    /// </summary>
    public int MaxTotalRestarts { get; set; } = 50;

    /// <summary>
    /// Interpreters an instance may have left running (abandoned: stuck in C code, or threads that would not stop, and
    /// not ended by themselves since) before it is no longer restarted; 0: no limit. Each keeps its threads, memory and
    /// perhaps a core for ever.
    /// </summary>
    public int MaxAbandoned { get; set; } = 2;

    /// <summary>Handler failures (retries included) within <see cref="FailureWindow"/> that restart the instance; 0: never.</summary>
    public int MaxHandlerFailures { get; set; } = 100;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    public RestartOptions Clone() => (RestartOptions)MemberwiseClone();

    /// <summary>Failures worded with the configuration key <paramref name="key"/> (e.g. <c>PluginHost:Restart</c>).</summary>
    public IEnumerable<string> Check(string key)
    {
        if (InitialDelay < TimeSpan.Zero || InitialDelay > TimeSpan.FromHours(1))
            yield return $"{key}:{nameof(InitialDelay)} must be between 00:00:00 and 01:00:00; it is {InitialDelay}.";
        if (!(Factor >= 1 && Factor <= 100))
            yield return $"{key}:{nameof(Factor)} must be between 1 and 100; it is {Factor}.";
        if (MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromDays(1))
            yield return $"{key}:{nameof(MaxDelay)} must be at least InitialDelay ({InitialDelay}) and at most 1.00:00:00; it is {MaxDelay}.";
        if (MaxRestarts is < 0 or > 10_000)
            yield return $"{key}:{nameof(MaxRestarts)} must be between 0 and 10000; it is {MaxRestarts}.";
        if (MaxTotalRestarts is < 0 or > 1_000_000)
            yield return $"{key}:{nameof(MaxTotalRestarts)} must be between 0 (no limit) and 1000000; it is {MaxTotalRestarts}.";
        if (Window <= TimeSpan.Zero || Window > TimeSpan.FromDays(7))
            yield return $"{key}:{nameof(Window)} must be above 00:00:00 and at most 7.00:00:00; it is {Window}.";
        if (MaxAbandoned is < 0 or > 1_000)
            yield return $"{key}:{nameof(MaxAbandoned)} must be between 0 (no limit) and 1000; it is {MaxAbandoned}.";
        if (MaxHandlerFailures < 0)
            yield return $"{key}:{nameof(MaxHandlerFailures)} must be 0 (off) or more; it is {MaxHandlerFailures}.";
        if (FailureWindow <= TimeSpan.Zero || FailureWindow > TimeSpan.FromDays(1))
            yield return $"{key}:{nameof(FailureWindow)} must be above 00:00:00 and at most 1.00:00:00; it is {FailureWindow}.";
    }
}
