using System.Collections.Concurrent;

namespace PluginHost.Host.Isolation;

/// <summary>Frames sent that wait for their <see cref="FrameKind.Done"/> (or outcome), by id; all fail when the channel ends.</summary>
internal sealed class PendingCalls
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Frame>> _waiting = new();
    private long _next;
    private Exception? _ended;

    /// <summary>
    /// Sends <paramref name="frame"/> under a fresh id; the task its answer completes, or null when the channel is
    /// closed (then nothing waits for it).
    /// </summary>
    public Task<Frame>? Send(FrameChannel channel, Frame frame)
    {
        var id = Interlocked.Increment(ref _next);
        var answer = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        if (Volatile.Read(ref _ended) is { } ended && _waiting.TryRemove(id, out _))
            answer.TrySetException(ended);
        frame.Id = id;
        if (channel.Send(frame))
            return answer.Task;
        _waiting.TryRemove(id, out _);
        return null;
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
