using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// One timer for the watchdogs and memory samplers of all of a host's instances. A timer per instance woke the thread pool once a period
/// per instance: 256 idle instances kept 8 % of a core busy (thread-pool workers spinning between those wake-ups), and
/// every instance started paid for the ones already running. Each watch keeps its own period; the clock ticks at the
/// shortest one registered and runs the watches that are due, one after another on one thread-pool thread, so a watch
/// must be short and never block (<see cref="PluginInstance"/>'s is a few reads and, at worst, posts a restart).
/// The supervisor owns one; an instance adds its watch when an interpreter starts serving and removes it when it stops.
/// </summary>
internal sealed class WatchdogClock
{
    private sealed class Watch(TimeSpan period, Action tick)
    {
        public readonly long Period = (long)(period.TotalSeconds * Stopwatch.Frequency);
        public readonly Action Tick = tick;
        public long Due = Stopwatch.GetTimestamp() + (long)(period.TotalSeconds * Stopwatch.Frequency);
    }

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private Watch[] _watches = [];   // replaced whole under _gate, read without it
    private TimeSpan _period = Timeout.InfiniteTimeSpan;
    private int _ticking;

    public WatchdogClock(ILogger logger)
    {
        _logger = logger;
        _timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Runs <paramref name="tick"/> every <paramref name="period"/> (first after one period) until the result is disposed.</summary>
    public IDisposable Add(TimeSpan period, Action tick)
    {
        var watch = new Watch(period, tick);
        lock (_gate)
        {
            _watches = [.. _watches, watch];
            Reschedule();
        }
        return new Registration(() => Remove(watch));
    }

    private void Remove(Watch watch)
    {
        lock (_gate)
        {
            _watches = Array.FindAll(_watches, w => w != watch);
            Reschedule();
        }
    }

    /// <summary>Ticks at the shortest period registered; stops when none is.</summary>
    private void Reschedule()
    {
        var shortest = _watches.Length == 0
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromSeconds(_watches.Min(w => w.Period) / (double)Stopwatch.Frequency);
        if (shortest == _period)
            return;
        _period = shortest;
        _timer.Change(shortest, shortest);   // no watch left: the timer stops until the next is added
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
            return;   // the last tick is still running: its watches are not due again yet
        try
        {
            foreach (var watch in Volatile.Read(ref _watches))
            {
                var now = Stopwatch.GetTimestamp();
                if (now < watch.Due)
                    continue;
                watch.Due = now + watch.Period;
                try
                {
                    watch.Tick();
                }
                catch (Exception e)
                {
                    // One watch failing must not stop the others' (a timer of its own would have ended the process).
                    _logger.WatchFailed(e);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }
}
