using System.Diagnostics;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Where a request's reply goes: a task that ends with the reply, the receiver's failure, a <see cref="TimeoutException"/>
/// once its deadline passes (<see cref="ReplyDeadlines"/>), or cancellation — whichever comes first. A plugin's
/// blocking <c>request</c> waits on this task itself, so the replying thread wakes the requester directly (an
/// <c>async</c> method in between resumed on the thread pool first: one more thread hand-off per round trip).
/// </summary>
internal sealed class PendingReply
{
    // Continuations of awaiting .NET code must not run on the replying interpreter's thread (it holds its GIL);
    // blocking waiters are still woken inline by the completing thread.
    private readonly TaskCompletionSource<Message> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Message _request;
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenRegistration _cancellation;

    public PendingReply(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _request = request;
        _timeout = timeout;
        Deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        if (cancellationToken.CanBeCanceled)
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingReply)state!).TrySetCanceled(token), this);
    }

    /// <summary>Stopwatch timestamp after which the request has timed out (<see cref="long.MaxValue"/>: never).</summary>
    public long Deadline { get; }

    /// <summary>The delivery carrying the request, for naming its receiver in a timeout.</summary>
    public Delivery? Delivery { get; set; }

    public Task<Message> Task => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public bool TrySetResult(Message reply) => Finish(_completion.TrySetResult(reply));

    public bool TrySetException(Exception error) => Finish(_completion.TrySetException(error));

    /// <summary>The deadline passed without a reply.</summary>
    public void Expire()
    {
        var receiver = Delivery?.Receiver?.Name ?? "?";
        var target = _request.To is null ? $"'{receiver}'" : $"'{_request.To}' ({receiver})";
        TrySetException(new TimeoutException($"Request {_request.Id} on '{_request.Topic}' to {target} got no reply within {_timeout}."));
    }

    private bool TrySetCanceled(CancellationToken token) => Finish(_completion.TrySetCanceled(token));

    private bool Finish(bool done)
    {
        if (done)
            _cancellation.Dispose();
        return done;
    }
}
