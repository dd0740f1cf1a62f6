using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Isolation;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// One instance of a plugin, run in a fresh interpreter: bootstrap (sys.path, stdout/stderr, logging), import of the
/// entry module, <c>setup(ctx)</c>; at stop <c>teardown()</c>, then the interpreter ends. Its inbox, address and
/// manifest subscriptions belong to the instance and outlive interpreters: a failed interpreter is replaced by a
/// fresh one (PluginInstance.Restart.cs) while messages wait. Failures change this instance's state and are logged;
/// they never throw out to the host.
/// </summary>
internal sealed partial class PluginInstance
{
    private readonly PluginDescriptor _descriptor;
    private readonly ILogger _hostLogger;
    private readonly Func<PluginBinding> _newBinding;
    private PluginBinding _binding;   // one per interpreter: a retired one loses the inbox, so its stragglers cannot subscribe
    private readonly PluginInbox _inbox;
    private readonly ReceiverCounters _counters;   // its message totals, kept by the broker across restarts
    private readonly IDisposable _address;
    private readonly WatchdogClock _watchdogs;   // the host's one timer for every instance's watchdog
    private IDisposable? _watchdog;
    private string? _error;
    private readonly InstancePolicy _policies;   // each interpreter's policy and host functions; the denial monitor
    private readonly TimeSpan _stopTimeout;
    private readonly Lock _stopGate = new();
    private Task? _stopping;
    private IInstanceRuntimeFactory? _runtime;
    private TimeSpan _startTimeout;
    private TimeSpan _handlerTimeout;
    private readonly UndeliveredFile? _undelivered;   // the broker writes each drop there (PluginHost:Broker:UndeliveredFile)
    private IsolationMode? _isolation;   // where its interpreters run (PluginInstance.Interpreter.cs); null: see _isolationError
    private readonly string? _isolationError;
    private readonly WorkerSandboxes? _workerSandboxes;   // the kernel sandbox its worker processes enter (one per host)

    public PluginInstance(PluginDescriptor descriptor, int number, ILoggerFactory loggers, MessageBroker broker, WatchdogClock watchdogs,
        PluginHostOptions? host = null, HostFunctionTable? hostFunctions = null, HostFunctionTable? ownFunctions = null,
        WorkerSandboxes? workerSandboxes = null)
    {
        _watchdogs = watchdogs;
        _workerSandboxes = workerSandboxes;
        _descriptor = descriptor;
        Number = number;
        _hostLogger = loggers.CreateLogger<PluginInstance>();
        var pluginLogger = loggers.CreateLogger($"PluginHost.Plugins.{descriptor.Name}");
        var maxOutput = host?.MaxOutputLineLength ?? PluginHostOptions.DefaultMaxOutputLineLength;
        _counters = broker.CountersOf(descriptor.Name, number);
        _newBinding = () => new PluginBinding(descriptor, number, pluginLogger, broker, maxOutput) { Inbox = _inbox, Counters = _counters };
        var configured = host?.Plugins.GetValueOrDefault(descriptor.Name);
        _stopTimeout = host?.StopTimeout ?? TimeSpan.FromSeconds(10);
        _policy = new RestartPolicy(host?.RestartFor(descriptor.Name) ?? new RestartOptions { Enabled = false });
        _memoryLimit = configured?.MemoryLimitMiB * (1L << 20);
        _sampleInterval = host?.MemorySampleInterval ?? TimeSpan.FromSeconds(10);
        _undelivered = broker.Undelivered;
        _isolation = IsolationModes.Of(descriptor, configured, out _isolationError);
        // Host functions: the host's, and this plugin's own from its dotnet/ assemblies (shared by its instances).
        _policies = new InstancePolicy(descriptor, number, configured?.Capabilities, ownFunctions ?? HostFunctionTable.Empty,
            hostFunctions ?? HostFunctionTable.Empty, _hostLogger);
        _inbox = new PluginInbox(Name, number, broker.Options.InboxCapacity, broker, _hostLogger, descriptor.Manifest!.Subscriptions)
        {
            ExitRequested = OnExitRequested,
            HandlerFailure = OnHandlerFailure,
        };
        _inbox.LimitBytes(_memoryLimit, LimitKey);
        _inbox.MaxConcurrency = IsolationModes.MaxConcurrency(descriptor, configured);
        _binding = _newBinding();
        _address = broker.AddEndpoint(_inbox);
        PluginMetrics.Track(this);
    }

    /// <summary>Calls this instance's policy denied, by facility (logged and counted as metric <c>pluginhost.policy.denials</c>).</summary>
    public IReadOnlyDictionary<string, long> Denials => _policies.Monitor.Denials;

    public string Name => _descriptor.Name;

    public int Number { get; }

    public PluginStatus Status
    {
        get
        {
            var now = _now;   // state and interpreter as one pair
            return new PluginStatus(Name, Number, now.State, now.Interpreter?.Id, _error)
            {
                Restarts = _policy.Total,
                Abandoned = Abandoned,
                RestartAttempt = now.State == PluginState.Restarting ? _attempt : 0,
                NextStart = now.State == PluginState.Restarting ? _nextStart : null,
                AllocatedBytes = Volatile.Read(ref _allocatedBytes) is >= 0 and var allocated ? allocated : null,
                ArenaBytes = Volatile.Read(ref _arenaBytes) is >= 0 and var arenas ? arenas : null,
                LargeBytes = Volatile.Read(ref _largeBytes) is >= 0 and var large ? large : null,
                MessageBytes = Volatile.Read(ref _messageBytes),
                InboxBytes = _inbox.WaitingBytes,
                ResidentBytes = Volatile.Read(ref _residentBytes) is >= 0 and var resident ? resident : null,
                Received = Volatile.Read(ref _counters.Received),
                Handled = Volatile.Read(ref _counters.Handled),
                Failed = Interlocked.Read(ref _counters.Failed),
                Sent = Interlocked.Read(ref _counters.Sent),
                Waiting = _inbox.Depth,
            };
        }
    }

    private string Entry => _descriptor.Manifest!.Entry;

    /// <summary>Starts the instance; a handler running past <paramref name="handlerTimeout"/> will be interrupted.</summary>
    public async Task StartAsync(IInstanceRuntimeFactory runtime, TimeSpan timeout, TimeSpan handlerTimeout, CancellationToken cancellationToken)
    {
        Prepare(runtime, timeout, handlerTimeout);
        try
        {
            if (await StartInterpreterAsync(cancellationToken) is { } failure)
                Recover(failure, Retire.NotStarted, "start");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: StopAsync interrupts and ends whatever is still starting.
        }
    }

    /// <summary>Where and within which limits this instance's interpreters start (StartAsync, TryStartAsync).</summary>
    private void Prepare(IInstanceRuntimeFactory runtime, TimeSpan timeout, TimeSpan handlerTimeout)
    {
        _runtime = runtime;
        _startTimeout = timeout;
        _handlerTimeout = handlerTimeout;
        if (_memoryLimit is not null && !runtime.LargeAllocationsTracked)
            _hostLogger.MemoryLimitWithoutLargeBlocks(Name, Number);
    }

    /// <summary>
    /// Creates, bootstraps and starts a fresh interpreter within the start timeout; attaches the inbox when it runs.
    /// Null when it runs (or stopped itself cleanly with sys.exit(0)), else the error.
    /// </summary>
    private async Task<string?> StartInterpreterAsync(CancellationToken cancellationToken)
    {
        var timeout = _startTimeout;
        if (!Move(PluginState.Starting))
            return null;   // stopping or stopped meanwhile: nothing to start
        _hostLogger.PluginStarting(Name, _descriptor.Manifest!.Version, Number, _descriptor.Folder);
        var clock = Stopwatch.StartNew();
        try
        {
            if (_policies.Create(out var errors) is not var (policy, functions))
            {
                _cannotHeal = InstancePolicy.CannotHeal;
                throw new InvalidOperationException(errors);
            }
            // A fresh binding for a fresh interpreter (the retired one's lost the inbox), with this policy's functions.
            if (_binding.Inbox is null)
                _binding = _newBinding();
            _binding.Functions = functions;
            var creating = CreateInterpreterAsync(policy);
            var interpreter = await EndIfGivenUp(creating, creating.WaitAsync(timeout, cancellationToken));
            if (!Adopt(interpreter))
            {
                _ = interpreter.DisposeAsync();   // a stop came first: nothing else would end it
                return null;
            }
            // The bootstrap and the plugin's start as one piece of work: the interpreter's thread goes on from one to the
            // other without a hand-off to the thread pool and back (at 1,024 instances starting, that is CPU they share).
            var subscriptions = JsonSerializer.Serialize(_descriptor.Manifest!.Subscriptions);
            var prepareAndStart = PluginBootstrap.Prepare(Name, _descriptor.Folder, _binding.MinimumPythonLevel)
                + $"_pluginhost_start({Literal(Entry)}, {subscriptions}, {Literal(_descriptor.Folder)}, {StartConcurrency(interpreter)})\n";
            await interpreter.RunAsync(PluginBootstrap.Code, prepareAndStart).WaitAsync(timeout, cancellationToken);
            lock (_gate)
            {
                // Attached and timed only once Running: a stop that came in meanwhile ends it as it was started.
                if (!Move(PluginState.Running))
                    return null;
                _inbox.Attach(interpreter);
                StartTimers(interpreter);
            }
            _hostLogger.PluginRunning(Name, Number, interpreter.Id, clock.Elapsed.TotalMilliseconds);
            return null;
        }
        catch (PythonException e) when (e.PythonType == "SystemExit")
        {
            // sys.exit() while starting: this plugin does not run; sys.exit(0) is a clean stop, any other code a failure.
            _hostLogger.PluginExitRequested(Name, Number, ExitCode(e));
            if (!IsCleanExit(e))
                return StartFailed(Describe(e, timeout));
            if (!Move(PluginState.Stopped))
                return null;
            _address.Dispose();
            _inbox.Close();
            _binding.FlushOutput();
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!FallsBackToWorker(e))
                _cannotHeal ??= StartFailures.CannotHeal(e);
            var error = StartFailed(Describe(e, timeout));
            // Stuck in setup or import: interrupt it, so that the interpreter can end. Not awaited: code looping in C
            // holds its GIL, which the interrupt needs, for ever (retiring it waits StopTimeout, then abandons it).
            if (e is TimeoutException && CurrentInterpreter is { } stuck)
                Interrupt(stuck, () => true);
            return error;
        }
    }

    private string StartFailed(string error)
    {
        _hostLogger.PluginFailed(Name, Number, error);
        return error;
    }

    /// <summary>
    /// Runs teardown() (if it started) within the budget's teardown share, then ends the interpreter by the budget's
    /// deadline (abandoning it past that). Once; never throws for what the plugin does.
    /// </summary>
    public Task StopAsync(StopBudget budget)
    {
        lock (_stopGate)
            return _stopping ??= StopOnceAsync(budget);
    }

    private async Task StopOnceAsync(StopBudget budget)
    {
        await EndRestartsAsync(budget);
        StopTimers();
        // No new messages; those already queued are drained before teardown (the drain is queued ahead of it).
        _address.Dispose();
        _inbox.Close();
        Snapshot was;
        lock (_gate)
        {
            was = _now;
            if (was.Interpreter is not null)
                Move(PluginState.Stopping);
        }
        if (was.Interpreter is { } interpreter)
        {
            _hostLogger.PluginStopping(Name, Number);
            if (was.State == PluginState.Running)
                await TeardownAsync(interpreter, budget.TeardownLeft, budget.Cancellation, budget.TeardownLimit);
            else if (was.State == PluginState.Starting)
                Interrupt(interpreter, () => true);   // stopped during import or setup (not awaited: see StartInterpreterAsync)
            await EndInterpreterAsync(interpreter, budget.EndLeft, was.State == PluginState.Starting ? "it was still starting and did not return when interrupted" : "its thread did not come back from the plugin's code", budget.Cancellation, budget.EndLimit);
            if (interpreter.IsAbandoned)
            {
                // Its thread may yet come back from the plugin's code: it takes nothing more of what is dropped below,
                // and a message it took after it was given up on is counted now (dropped), not when it finishes.
                _inbox.Detach();
                _inbox.GiveUpInFlight(interpreter, stopping: true, AbandonedWhileHandling);
            }
        }
        var notWritten = _undelivered?.NotWritten ?? 0;
        if (_inbox.DropRemaining($"plugin {Name}/{Number} stopped before handling it") is > 0 and var left)
            _hostLogger.UndeliveredAtStop(Name, Number, left, UndeliveredText(left, (_undelivered?.NotWritten ?? 0) - notWritten));
        _binding.FlushOutput();
        _policies.Monitor.LogSummary();
        Move(PluginState.Stopped);   // from Stopping (or a state with no interpreter); a Failed one without one stays Failed
        PluginMetrics.Untrack(this);
    }

    // Where the dropped messages went: the undelivered file, unless writing to it failed (events 1313-1315 say why).
    private string UndeliveredText(int dropped, long failed) =>
        _undelivered is null ? ""
        : failed <= 0 ? $"; written to {_undelivered.Path}"
        : $"; {Math.Max(0, dropped - failed)} written to {_undelivered.Path}, {failed} could not be written there";

    /// <summary>
    /// MaxConcurrency and HandlerTimeout (seconds; None: none) for <c>_pluginhost_start</c>: messages in flight are
    /// timed on the instance's loop. A worker process (also one <c>auto</c> fell back to) takes one at a time.
    /// </summary>
    private string StartConcurrency(IInstanceRuntime runtime) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(runtime is SubInterpreter ? _inbox.MaxConcurrency : 1)}, {(_handlerTimeout > TimeSpan.Zero && _handlerTimeout != Timeout.InfiniteTimeSpan ? _handlerTimeout.TotalSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "None")}");

    /// <summary>
    /// Runs teardown() within <paramref name="timeout"/>; one that overruns is interrupted, so the interpreter can end.
    /// Messages in flight (MaxConcurrency above 1) get half of it to finish first, then are cancelled.
    /// </summary>
    private async Task TeardownAsync(IInstanceRuntime interpreter, TimeSpan timeout, CancellationToken cancellation = default, string? limit = null)
    {
        var wait = (timeout / 2).TotalSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var teardown = interpreter.RunAsync($"_pluginhost_stop({Literal(Entry)}, {wait})");
        try
        {
            await teardown.WaitAsync(timeout, cancellation);
        }
        catch (Exception e)
        {
            var overran = e is TimeoutException or OperationCanceledException;
            _hostLogger.StopHookFailed(Name, Number, overran && limit is not null ? $"did not finish within {limit}" : Describe(e, timeout));
            if (overran)
                Interrupt(interpreter, () => !teardown.IsCompleted);
        }
    }

    /// <summary>
    /// A handler called sys.exit() (on the interpreter's thread): sys.exit(0) stops this instance, any other code is a
    /// failure and restarts it. Either way off the interpreter's thread; other instances carry on.
    /// </summary>
    private void OnExitRequested(PythonException exit)
    {
        _hostLogger.PluginExitRequested(Name, Number, ExitCode(exit));
        if (IsCleanExit(exit))
            _ = Task.Run(() => StopAsync(new StopBudget(_stopTimeout)));
        else
            RequestRestart(CurrentInterpreter, Describe(exit, _stopTimeout), Retire.Teardown, "exit");
    }

    private static string ExitCode(PythonException exit) => exit.PythonMessage.Length == 0 ? "None" : exit.PythonMessage;

    private static bool IsCleanExit(PythonException exit) => exit.PythonMessage is "" or "0" or "None";

    /// <summary>Marks an instance that cannot start (its plugin's .NET part did not load); it never runs.</summary>
    public void MarkFailed(string error)
    {
        _error = error;
        Move(PluginState.Failed);
        _address.Dispose();
        _inbox.Close();
        _hostLogger.PluginFailed(Name, Number, error);
    }

    private static string Describe(Exception e, TimeSpan timeout) => e switch
    {
        PythonException python => $"{python.Message}{Environment.NewLine}{python.PythonTraceback}".TrimEnd(),
        TimeoutException => $"did not finish within {timeout}",
        _ => e.Message,
    };

    private static string Literal(string value) => PluginBootstrap.Literal(value);
}
