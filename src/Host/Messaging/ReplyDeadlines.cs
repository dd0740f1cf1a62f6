using System.Collections.Concurrent;
using System.Diagnostics;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Times out the broker's pending requests with one timer for all of them, ticking every
/// <see cref="Resolution"/> while any is pending (and not at all otherwise). A timer per request cost about a
/// microsecond to arm and disarm — a tenth of a plugin-to-plugin round trip — for deadlines of seconds that are
/// almost never reached. A request therefore times out up to one tick after its deadline.
/// </summary>
internal sealed class ReplyDeadlines : IDisposable
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentQueue<PendingReply> _added = new();
    private readonly List<PendingReply> _watched = [];   // the timer callback's own; callbacks never overlap (see Tick)
    private readonly Timer _timer;
    private int _running;

    public ReplyDeadlines() => _timer = new Timer(_ => Tick());

    public void Watch(PendingReply reply)
    {
        if (reply.Deadline == long.MaxValue)
            return;
        _added.Enqueue(reply);
        if (Interlocked.Exchange(ref _running, 1) == 0)
            _timer.Change(Resolution, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    // One-shot timer re-armed at the end of each tick, so ticks never run at the same time.
    private void Tick()
    {
        while (_added.TryDequeue(out var reply))
            _watched.Add(reply);
        var now = Stopwatch.GetTimestamp();
        _watched.RemoveAll(reply =>
        {
            if (reply.IsCompleted)
                return true;
            if (now < reply.Deadline)
                return false;
            reply.Expire();
            return true;
        });
        if (_watched.Count > 0)
        {
            _timer.Change(Resolution, Timeout.InfiniteTimeSpan);
            return;
        }
        // Idle: stop, unless a request came in meanwhile (it saw the timer running and did not start it).
        Interlocked.Exchange(ref _running, 0);   // a full fence before looking at _added (Watch does the reverse)
        if (!_added.IsEmpty && Interlocked.Exchange(ref _running, 1) == 0)
            _timer.Change(Resolution, Timeout.InfiniteTimeSpan);
    }
}
