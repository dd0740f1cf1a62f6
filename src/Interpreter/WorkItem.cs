namespace PluginHost.Interpreter;

/// <summary>A unit of work queued to an interpreter's thread; runs with that interpreter attached.</summary>
internal abstract class WorkItem
{
    internal abstract void Execute(InterpreterScope scope);

    /// <summary>The interpreter ended before this item ran.</summary>
    internal abstract void Abandon(Exception reason);
}

internal sealed class WorkItem<T>(Func<InterpreterScope, T> work, CancellationToken cancellation) : WorkItem
{
    // Continuations must never run inline on the interpreter thread while it holds its GIL.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task<T> Task => _completion.Task;

    internal override void Execute(InterpreterScope scope)
    {
        if (cancellation.IsCancellationRequested)
        {
            _completion.TrySetCanceled(cancellation);
            return;
        }
        try
        {
            _completion.TrySetResult(work(scope));
        }
        catch (Exception e)
        {
            _completion.TrySetException(e);
        }
    }

    internal override void Abandon(Exception reason) => _completion.TrySetException(reason);
}

/// <summary>Work without a result or completion task: the broker's deliveries and callbacks.</summary>
internal sealed class PostedWork(Action<InterpreterScope> work, Action<Exception>? onError) : WorkItem
{
    internal override void Execute(InterpreterScope scope)
    {
        try
        {
            work(scope);
        }
        catch (Exception e)
        {
            onError?.Invoke(e);
        }
    }

    internal override void Abandon(Exception reason) => onError?.Invoke(reason);
}
