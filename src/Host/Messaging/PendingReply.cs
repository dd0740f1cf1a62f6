using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Where a request's reply goes: a task that ends with the reply, the receiver's failure, a <see cref="TimeoutException"/>
/// from its own timer, or cancellation — whichever comes first. A plugin's blocking <c>request</c> waits on this task
/// itself, so the replying thread wakes the requester directly (an <c>async</c> method in between resumed on the
/// thread pool first: one more thread hand-off per round trip).
/// </summary>
internal sealed class PendingReply
{
    // Continuations of awaiting .NET code must not run on the replying interpreter's thread (it holds its GIL);
    // blocking waiters are still woken inline by the completing thread.
    private readonly TaskCompletionSource<Message> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timer;
    private readonly CancellationTokenRegistration _cancellation;

    public PendingReply(TimeSpan timeout, Func<string> describeTimeout, CancellationToken cancellationToken)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = new Timer(static state =>
            {
                var (self, describe) = ((PendingReply, Func<string>))state!;
                self.TrySetException(new TimeoutException(describe()));
            }, (this, describeTimeout), timeout, Timeout.InfiniteTimeSpan);
        }
        if (cancellationToken.CanBeCanceled)
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingReply)state!).TrySetCanceled(token), this);
    }

    public Task<Message> Task => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public bool TrySetResult(Message reply) => Finish(_completion.TrySetResult(reply));

    public bool TrySetException(Exception error) => Finish(_completion.TrySetException(error));

    private bool TrySetCanceled(CancellationToken token) => Finish(_completion.TrySetCanceled(token));

    private bool Finish(bool done)
    {
        if (done)
        {
            _timer?.Dispose();
            _cancellation.Dispose();
        }
        return done;
    }
}
