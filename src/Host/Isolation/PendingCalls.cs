using System.Collections.Concurrent;

namespace PluginHost.Host.Isolation;

/// <summary>Frames sent that wait for their <see cref="FrameKind.Done"/> (or outcome), by id; all fail when the channel ends.</summary>
internal sealed class PendingCalls
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Frame>> _waiting = new();
    private long _next;
    private Exception? _ended;

    /// <summary>A fresh id and the task its answer completes.</summary>
    public (long Id, Task<Frame> Answer) Open()
    {
        var id = Interlocked.Increment(ref _next);
        var answer = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        if (Volatile.Read(ref _ended) is { } ended && _waiting.TryRemove(id, out _))
            answer.TrySetException(ended);
        return (id, answer.Task);
    }

    /// <summary>Hands <paramref name="frame"/> to whoever waits for its id; false when nobody does.</summary>
    public bool Complete(Frame frame) => _waiting.TryRemove(frame.Id, out var answer) && answer.TrySetResult(frame);

    /// <summary>Every call waiting, and every later one, fails with <paramref name="why"/>.</summary>
    public void EndAll(Exception why)
    {
        Interlocked.CompareExchange(ref _ended, why, null);
        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var answer))
                answer.TrySetException(why);
        }
    }

    /// <summary>The answer's error thrown again as the exception it was on the other side.</summary>
    public static Frame Check(Frame answer) => answer.Error is { } error ? throw error.ToException() : answer;
}
