using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Policy;

/// <summary>
/// One plugin instance's listener for its policy's denials: counts each (metric and totals) and logs it. A plugin that
/// keeps trying the same thing is logged once, then at most once per <see cref="LogInterval"/> per facility with the
/// count since the last line, and in a summary at stop, so a loop of denied calls cannot flood the log. Called on the
/// instance's interpreter thread with its GIL held: quick, never blocks, never throws.
/// </summary>
internal sealed class PolicyMonitor(string plugin, int instance, ILogger logger) : IPolicyListener
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byFacility = new(StringComparer.Ordinal);

    /// <summary>Denials so far by facility.</summary>
    public IReadOnlyDictionary<string, long> Denials
    {
        get
        {
            lock (_gate)
                return _byFacility.ToDictionary(e => e.Key, e => e.Value.Total);
        }
    }

    public long Total
    {
        get
        {
            lock (_gate)
                return _byFacility.Values.Sum(e => e.Total);
        }
    }

    public void Denied(in PolicyDecision decision)
    {
        PolicyMetrics.Denied(plugin, instance, decision.Facility, decision.Capability);
        long unlogged;
        double seconds;
        lock (_gate)
        {
            if (!_byFacility.TryGetValue(decision.Facility, out var entry))
                _byFacility[decision.Facility] = entry = new Entry();
            entry.Total++;
            if (entry.LastLogged != 0 && Stopwatch.GetElapsedTime(entry.LastLogged) < LogInterval)
            {
                entry.Unlogged++;
                return;
            }
            seconds = entry.LastLogged == 0 ? 0 : Stopwatch.GetElapsedTime(entry.LastLogged).TotalSeconds;
            unlogged = entry.Unlogged;
            entry.Unlogged = 0;
            entry.LastLogged = Stopwatch.GetTimestamp();
        }
        var capability = decision.Capability.Length == 0 ? "no capability allows it" : decision.Capability;
        if (unlogged == 0)
            logger.PolicyDenied(plugin, instance, decision.Facility, capability, decision.Message);
        else
            logger.PolicyDeniedAgain(plugin, instance, decision.Facility, capability, unlogged + 1, seconds, decision.Message);
    }

    public void Allowed(in PolicyDecision decision)
    {
    }

    /// <summary>At stop: one line with every facility's total, when anything was denied.</summary>
    public void LogSummary()
    {
        string summary;
        long total;
        lock (_gate)
        {
            total = _byFacility.Values.Sum(e => e.Total);
            summary = string.Join(", ", _byFacility.OrderByDescending(e => e.Value.Total).Select(e => $"{e.Key} ×{e.Value.Total}"));
        }
        if (total > 0)
            logger.PolicyDenialSummary(plugin, instance, total, summary);
    }

    private sealed class Entry
    {
        public long Total;
        public long Unlogged;
        public long LastLogged;
    }
}
