using Microsoft.Extensions.Logging;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Isolation;

/// <summary>
/// An instance's runtime in a worker process, seen from the host: the contract proxied over a <see cref="FrameChannel"/>.
/// The inbox stays here: this side takes messages from it (<see cref="IMessageSource.Next"/>), sends them in batches
/// with several in flight, and reports each outcome the worker sends back, in order, so the inbox's handler tracking
/// and timeouts work as in-process.
/// The worker's calls into the host (<see cref="IPluginBinding"/>) are made on the instance's real binding here.
/// </summary>
internal sealed partial class WorkerRuntime : IInstanceRuntime
{
    private readonly IWorkerProcess _process;
    private readonly FrameChannel _channel;
    private readonly IPluginBinding _binding;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly TimeSpan _endTimeout;
    private readonly PendingCalls _calls = new();
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reading;
    private int _ending;
    private int _closed;
    private long _largeBytes = -1;
    private long _messageBytes;
    private string? _abandoned;

    internal WorkerRuntime(IWorkerProcess process, FrameChannel channel, IPluginBinding binding, ILogger logger, string name, TimeSpan endTimeout)
    {
        _process = process;
        _channel = channel;
        _binding = binding;
        _logger = logger;
        _name = name;
        _endTimeout = endTimeout;
    }

    public long Id { get; private set; } = -1;

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    public long? LargeBytes => Volatile.Read(ref _largeBytes) is >= 0 and var large ? large : null;

    public long MessageBytes => Volatile.Read(ref _messageBytes);

    public Task Completion => _ended.Task;

    public string? Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>Set when the worker went away without being asked to end (a crash, a kill): why.</summary>
    public string? Lost { get; private set; }

    /// <summary>Told the worker's policy decisions (denials are counted and logged by it, as for a subinterpreter).</summary>
    public IPolicyListener? PolicyListener { get; init; }

    /// <summary>Where the worker says which delivery's handlers run (read once it is lost); null: not shared.</summary>
    internal RunningSlot? RunningSlot { get; init; }

    /// <summary>Called once when the worker is lost (not when it was ended): the instance restarts it.</summary>
    public Action<WorkerRuntime>? OnLost { get; set; }

    /// <summary>Sends the start and waits for the worker's interpreter.</summary>
    internal async Task StartAsync(WorkerStart start, CancellationToken cancellationToken)
    {
        _reading = Task.Run(ReadLoopAsync);
        _channel.Send(new Frame { Kind = FrameKind.Start, Start = start });
        Id = await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RunAsync(string source, CancellationToken cancellationToken = default)
    {
        var answer = _calls.Send(_channel, new Frame { Kind = FrameKind.Run, Text = source }) ?? throw Closed();
        PendingCalls.Check(await answer.WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task<bool> InterruptAsync(Func<bool> stillRelevant)
    {
        // Judged here, before sending: the worker cannot call back into this predicate. The message in flight is read
        // first: it is replaced only after the inbox was told its outcome, which makes a still-relevant judgement false;
        // the worker then interrupts that message's handler only if it still runs (a later one is left alone).
        var target = Volatile.Read(ref _running);
        if (!stillRelevant())
            return false;
        if (_calls.Send(_channel, new Frame { Kind = FrameKind.Interrupt, Target = target }) is not { } answer)
            return false;
        try
        {
            return PendingCalls.Check(await answer.ConfigureAwait(false)).Flag;
        }
        catch (Exception e) when (e is WorkerLostException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the worker for its interpreter's figures; <see cref="LargeBytes"/> and <see cref="MessageBytes"/> are those
    /// of the last sample (a worker's counters cannot be read from here).
    /// </summary>
    public async Task<AllocatorStatistics?> SampleAllocatorAsync()
    {
        var answer = _calls.Send(_channel, new Frame { Kind = FrameKind.Sample }) ?? throw Closed();
        Frame figures;
        try
        {
            figures = PendingCalls.Check(await answer.ConfigureAwait(false));
        }
        catch (WorkerLostException e)
        {
            throw new ObjectDisposedException(_name, e.Message);
        }
        if (figures.Figures is not { } sample)
            return null;
        Volatile.Write(ref _largeBytes, sample.LargeBytes ?? -1);
        Volatile.Write(ref _messageBytes, sample.MessageBytes);
        return sample.Allocator;
    }

    /// <summary>
    /// Given up on (a handler stuck in native code, an end that did not come): unlike an in-process interpreter, a
    /// worker can be ended anyway — it is killed, and ends as a killed process.
    /// </summary>
    public void Abandon(string reason)
    {
        if (_ended.Task.IsCompleted || Interlocked.CompareExchange(ref _abandoned, reason, null) is not null)
            return;   // ended already (nothing to give up on), or given up on before
        _process.Kill();   // nothing when it has exited already
    }

    /// <summary>Asks the worker to end its interpreter and exit; kills it when it has not within the end timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ending, 1) == 0)
        {
            _channel.Send(new Frame { Kind = FrameKind.End });
            try
            {
                await _process.WaitForExitAsync().WaitAsync(_endTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _process.Kill();
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
            await _channel.DisposeAsync().ConfigureAwait(false);
            if (_reading is not null)
                await _reading.ConfigureAwait(false);
            if (Lost is null)
                _logger.WorkerExited(_process.Id, _name, _process.ExitCode);   // a lost one was logged when it went
            _process.Dispose();
            RunningSlot?.Dispose();
            Volatile.Write(ref _abandoned, null);
            _ended.TrySetResult();
        }
        await _ended.Task.ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        Exception why = new WorkerLostException($"worker process {_process.Id} closed its channel");
        try
        {
            while (await _channel.ReceiveAsync().ConfigureAwait(false) is { } frame)
                Dispatch(frame);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ObjectDisposedException)
        {
            why = new WorkerLostException($"worker process {_process.Id}'s channel failed: {e.Message}", e);
        }
        Volatile.Write(ref _closed, 1);   // before the calls fail: the pump takes no further message for a dead worker
        Volatile.Write(ref _lostWhy, why);
        _outcomes.Writer.TryComplete();   // the pump fails what is still in flight
        _calls.EndAll(why);
        _started.TrySetException(why);
        if (Volatile.Read(ref _ending) == 0)
        {
            // Not asked to end: the worker crashed or was killed. Its exit code says which.
            await _process.WaitForExitAsync().ConfigureAwait(false);
            Lost = $"worker process {_process.Id} exited with {ExitDescription(_process.ExitCode)}";
            _logger.WorkerExited(_process.Id, _name, _process.ExitCode);
            OnLost?.Invoke(this);
        }
    }

    private ObjectDisposedException Closed() => new(_name, "the worker's channel is closed");

    /// <summary>128 + n is how a shell reports signal n; .NET reports a signalled child the same way.</summary>
    private static string ExitDescription(int code) => code > 128 ? $"code {code} (signal {code - 128})" : $"code {code}";

    private void Dispatch(Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Started:
                _started.TrySetResult(frame.Number);
                break;
            case FrameKind.Outcome:
                _outcomes.Writer.TryWrite(frame);
                break;
            case FrameKind.Done:
                _calls.Complete(frame);
                break;
            default:
                ServeBinding(frame);
                break;
        }
    }
}

/// <summary>The worker process went away (crashed, was killed, or its channel failed) while something waited for it.</summary>
internal sealed class WorkerLostException(string message, Exception? inner = null) : Exception(message, inner);
