namespace PluginHost.Interpreter.Contract;

/// <summary>
/// Where one plugin instance's Python runs: what the host programs against, wherever that is. A
/// <see cref="SubInterpreter"/> (own GIL, own thread, this process) fills it today; a worker process can fill it over a
/// local channel. Nothing Python-shaped crosses it: source text and messages go in, outcomes, figures and
/// <see cref="PythonException"/>s (type, message and traceback as text) come out.
/// </summary>
/// <remarks>
/// The calls the runtime makes back into the host are <see cref="IPluginBinding"/> (the plugin's <c>pluginhost</c>
/// module: publish, request, subscribe, log) and <see cref="IMessageSource"/> (the instance's inbox, which the runtime
/// drains). Members may be called from any thread; none blocks on Python.
/// </remarks>
public interface IInstanceRuntime : IAsyncDisposable
{
    /// <summary>The runtime's interpreter id, for logs and status (CPython's id in its own process).</summary>
    long Id { get; }

    /// <summary>
    /// Runs host-provided statements (the bootstrap, the plugin's start and stop calls) in the instance's
    /// <c>__main__</c>, after the work already queued. Faults with <see cref="PythonException"/> for what they raised,
    /// with <see cref="ObjectDisposedException"/> when the runtime ended first.
    /// </summary>
    Task RunAsync(string source, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the host's own <paramref name="code"/> (definitions the host runs in every instance), then
    /// <paramref name="then"/>, as one piece of work, like <see cref="RunAsync(string, CancellationToken)"/>. A runtime
    /// in this process loads the code compiled once for all; by default it is sent as text.
    /// </summary>
    Task RunAsync(HostCode code, string then, CancellationToken cancellationToken = default) =>
        RunAsync($"{code.Source}\n{then}", cancellationToken);

    /// <summary>
    /// Asks the runtime to drain <paramref name="source"/> soon: it takes messages with
    /// <see cref="IMessageSource.Next"/>, runs each one's handlers and reports each outcome, a bounded batch at a time.
    /// False once the runtime has ended (nothing will be taken). Cheap and non-blocking: called by publishers.
    /// </summary>
    bool Schedule(IMessageSource source);

    /// <summary>
    /// Messages taken whose async handlers still wait on the instance's loop (MaxConcurrency above 1): while there are
    /// any the runtime comes back by itself to run its loop and take more as they end. Read on the runtime's thread.
    /// </summary>
    int InFlight => 0;

    /// <summary>
    /// Raises <c>pluginhost.HandlerTimeout</c> in the Python code the runtime is running, if
    /// <paramref name="stillRelevant"/> still holds when it gets there; true when it was raised. Code blocked in C is
    /// stopped when it returns to Python. Do not wait for it without a timeout: C code holding the GIL holds it too.
    /// </summary>
    Task<bool> InterruptAsync(Func<bool> stillRelevant);

    /// <summary>Bytes in the runtime's large blocks (objects over 512 bytes), read without it; null when not tracked.</summary>
    long? LargeBytes { get; }

    /// <summary>Payload bytes of received messages the plugin's <c>Message</c> objects still hold, read without it.</summary>
    long MessageBytes { get; }

    /// <summary>
    /// Resident memory of the runtime's own process, when it has one (a worker), read without it; null in-process,
    /// where the host's process is shared by every instance.
    /// </summary>
    long? ResidentBytes => null;

    /// <summary>The runtime's own small-object allocator figures, read by the runtime itself between its work; null without pymalloc.</summary>
    Task<AllocatorStatistics?> SampleAllocatorAsync();

    /// <summary>
    /// Completes when the runtime has ended (after <see cref="IAsyncDisposable.DisposeAsync"/>, which ends it after
    /// its queued work); never for one that stays abandoned.
    /// </summary>
    Task Completion { get; }

    /// <summary>Why the runtime was left running instead of ended; null while it runs normally and once it ended.</summary>
    string? Abandoned { get; }

    bool IsAbandoned => Abandoned is not null;

    /// <summary>
    /// Gives up waiting for the runtime: it is marked (first reason stays) so that nothing is finalised under it; it
    /// may still end by itself when what held it returns.
    /// </summary>
    void Abandon(string reason);
}
