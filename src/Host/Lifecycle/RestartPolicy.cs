using PluginHost.Host.Configuration;

namespace PluginHost.Host.Lifecycle;

/// <summary>What the policy decided for one failure: restart after <see cref="Delay"/> (attempt n within the window), or not, and why.</summary>
internal readonly record struct RestartDecision(bool Restart, int Attempt, TimeSpan Delay, string? Refusal)
{
    public static RestartDecision Refused(string why) => new(false, 0, TimeSpan.Zero, why);
}

/// <summary>
/// When a failed interpreter is replaced (<see cref="RestartOptions"/>): at most MaxRestarts within Window, at most
/// MaxTotalRestarts in all, not while MaxAbandoned interpreters are left running, never when disabled or when the
/// failure cannot heal; restart n waits min(InitialDelay × Factor^(n−1), MaxDelay). Pure: the clock and what it
/// cannot see (abandoned interpreters, a failure that cannot heal) are given. Not thread-safe: its instance calls it
/// under its lock, except <see cref="HandlerFailed"/>, which has its own.
/// </summary>
internal sealed class RestartPolicy(RestartOptions options)
{
    private readonly Queue<DateTimeOffset> _recent = new();
    private readonly Queue<DateTimeOffset> _failures = new();
    private int _total;

    public RestartOptions Options => options;

    public bool Enabled => options.Enabled;

    /// <summary>Restarts over the instance's life (safe to read from any thread).</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>The delay before restart <paramref name="attempt"/> (1 for the first): min(InitialDelay × Factor^(n−1), MaxDelay).</summary>
    public static TimeSpan Delay(RestartOptions options, int attempt)
    {
        var ms = options.InitialDelay.TotalMilliseconds * Math.Pow(options.Factor, Math.Max(0, attempt - 1));
        return ms >= options.MaxDelay.TotalMilliseconds || double.IsInfinity(ms) || double.IsNaN(ms) ? options.MaxDelay : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>A failure at <paramref name="now"/>: restart (counted) or not, and why not.</summary>
    public RestartDecision Decide(DateTimeOffset now, int abandonedRunning, string? cannotHeal)
    {
        Slide(now);
        if (Refusal(abandonedRunning, cannotHeal) is { } why)
            return RestartDecision.Refused(why);
        _recent.Enqueue(now);
        Interlocked.Increment(ref _total);
        return new RestartDecision(true, _recent.Count, Delay(options, _recent.Count), null);
    }

    /// <summary>Why no (further) restart may happen now, in the words of its configuration key; null when one may.</summary>
    public string? Refusal(int abandonedRunning, string? cannotHeal)
    {
        if (cannotHeal is not null)
            return $"it cannot heal by restarting: {cannotHeal}";
        if (!options.Enabled)
            return "restarts are disabled (PluginHost:Restart:Enabled)";
        if (AbandonedTooMany(abandonedRunning))
            return $"it left {abandonedRunning} interpreter(s) running that could not be ended (PluginHost:Restart:MaxAbandoned {options.MaxAbandoned}); only process isolation contains such code";
        if (_recent.Count >= options.MaxRestarts)
            return $"{_recent.Count} restart(s) within {options.Window} exhausted (PluginHost:Restart:MaxRestarts {options.MaxRestarts})";
        if (options.MaxTotalRestarts > 0 && _total >= options.MaxTotalRestarts)
            return $"{_total} restart(s) in all exhausted (PluginHost:Restart:MaxTotalRestarts {options.MaxTotalRestarts})";
        return null;
    }

    /// <summary>True when as many interpreters are left running as MaxAbandoned allows (0: no bound).</summary>
    public bool AbandonedTooMany(int abandonedRunning) => options.MaxAbandoned > 0 && abandonedRunning >= options.MaxAbandoned;

    /// <summary>
    /// A handler failure at <paramref name="now"/> (any thread): the count within FailureWindow when it reaches
    /// MaxHandlerFailures (the window then starts afresh), else null. MaxHandlerFailures 0: never.
    /// </summary>
    public int? HandlerFailed(DateTimeOffset now)
    {
        if (options.MaxHandlerFailures == 0)
            return null;
        lock (_failures)
        {
            _failures.Enqueue(now);
            while (now - _failures.Peek() > options.FailureWindow)
                _failures.Dequeue();
            var count = _failures.Count;
            if (count < options.MaxHandlerFailures)
                return null;
            _failures.Clear();
            return count;
        }
    }

    // Restarts older than Window no longer count against MaxRestarts.
    private void Slide(DateTimeOffset now)
    {
        while (_recent.Count > 0 && now - _recent.Peek() > options.Window)
            _recent.Dequeue();
    }
}
