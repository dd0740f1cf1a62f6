using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// One instance of a plugin in its own fresh interpreter: bootstrap (sys.path, stdout/stderr, logging), import of the
/// entry module, <c>setup(ctx)</c>; at stop <c>teardown()</c>, then the interpreter ends. Failures change this
/// instance's state and are logged; they never throw out to the host.
/// </summary>
internal sealed class PluginInstance
{
    private static readonly string Bootstrap = ReadBootstrap();

    private readonly PluginDescriptor _descriptor;
    private readonly ILogger _hostLogger;
    private readonly PluginBinding _binding;
    private readonly MessageBroker _broker;
    private PluginInbox? _inbox;
    private IDisposable? _address;
    private Timer? _watchdog;
    private SubInterpreter? _interpreter;
    private volatile PluginState _state = PluginState.Pending;
    private string? _error;
    // Policy: the configured override of the manifest's capabilities (null: the manifest's), and the denial monitor.
    private readonly IReadOnlyList<string>? _configuredCapabilities;
    private readonly PolicyMonitor _monitor;
    private readonly TimeSpan _stopTimeout;
    // Host functions: the host's, and this plugin's own from its dotnet/ assemblies (shared by its instances).
    private readonly HostFunctionTable _hostFunctions;
    private readonly HostFunctionTable _ownFunctions;
    private readonly Lock _stopGate = new();
    private Task? _stopping;

    public PluginInstance(PluginDescriptor descriptor, int number, ILoggerFactory loggers, MessageBroker broker, PluginHostOptions? host = null,
        HostFunctionTable? hostFunctions = null, HostFunctionTable? ownFunctions = null)
    {
        _hostFunctions = hostFunctions ?? HostFunctionTable.Empty;
        _ownFunctions = ownFunctions ?? HostFunctionTable.Empty;
        _descriptor = descriptor;
        Number = number;
        _broker = broker;
        _hostLogger = loggers.CreateLogger<PluginInstance>();
        _binding = new PluginBinding(descriptor, number, loggers.CreateLogger($"PluginHost.Plugins.{descriptor.Name}"), broker);
        _configuredCapabilities = host?.Plugins.GetValueOrDefault(descriptor.Name)?.Capabilities;
        _stopTimeout = host?.StopTimeout ?? TimeSpan.FromSeconds(10);
        _monitor = new PolicyMonitor(descriptor.Name, number, _hostLogger);
    }

    /// <summary>Calls this instance's policy denied, by facility (logged and counted as metric <c>pluginhost.policy.denials</c>).</summary>
    public IReadOnlyDictionary<string, long> Denials => _monitor.Denials;

    public string Name => _descriptor.Name;

    public int Number { get; }

    public PluginStatus Status => new(Name, Number, _state, _interpreter?.Id, _error);

    private string Entry => _descriptor.Manifest!.Entry;

    /// <summary>Starts the instance; a handler running past <paramref name="handlerTimeout"/> will be interrupted.</summary>
    public async Task StartAsync(PythonRuntime runtime, TimeSpan timeout, TimeSpan handlerTimeout, CancellationToken cancellationToken)
    {
        _state = PluginState.Starting;
        _hostLogger.PluginStarting(Name, _descriptor.Manifest!.Version, Number, _descriptor.Folder);
        var clock = Stopwatch.StartNew();
        try
        {
            var policy = CreatePolicy();
            _interpreter = await runtime.CreateInterpreterAsync(new InterpreterOptions { Name = $"plugin:{Name}/{Number}" }, _binding, policy).WaitAsync(timeout, cancellationToken);
            _inbox = new PluginInbox(Name, Number, _broker.Options.InboxCapacity, _interpreter, _broker, _hostLogger) { ExitRequested = OnExitRequested };
            _binding.Inbox = _inbox;
            await _interpreter.RunAsync(BootstrapSource()).WaitAsync(timeout, cancellationToken);
            var subscriptions = JsonSerializer.Serialize(_descriptor.Manifest!.Subscriptions);
            await _interpreter.RunAsync($"_pluginhost_start({Literal(Entry)}, {subscriptions})").WaitAsync(timeout, cancellationToken);
            _address = _broker.AddEndpoint(_inbox);
            var period = TimeSpan.FromMilliseconds(Math.Clamp(handlerTimeout.TotalMilliseconds / 4, 10, 1000));
            var inbox = _inbox;
            _watchdog = new Timer(_ => inbox.CheckHandlerTimeout(handlerTimeout), null, period, period);
            _state = PluginState.Running;
            _hostLogger.PluginRunning(Name, Number, _interpreter.Id, clock.Elapsed.TotalMilliseconds);
        }
        catch (PythonException e) when (e.PythonType == "SystemExit")
        {
            // sys.exit() while starting: this plugin does not run; sys.exit(0) is a clean stop, any other code a failure.
            _hostLogger.PluginExitRequested(Name, Number, ExitCode(e));
            if (IsCleanExit(e))
            {
                _state = PluginState.Stopped;
                _inbox?.Close();
                _binding.FlushOutput();
            }
            else
            {
                Fail(Describe(e, timeout));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Fail(Describe(e, timeout));
            if (e is TimeoutException && _interpreter is { } stuck)
                await stuck.InterruptAsync(() => _state == PluginState.Failed);
        }
    }

    /// <summary>Runs teardown() (if it started) within <paramref name="timeout"/>, then ends the interpreter. Once.</summary>
    public Task StopAsync(TimeSpan timeout)
    {
        lock (_stopGate)
            return _stopping ??= StopOnceAsync(timeout);
    }

    private async Task StopOnceAsync(TimeSpan timeout)
    {
        if (_interpreter is null)
            return;
        var wasRunning = _state == PluginState.Running;
        _state = PluginState.Stopping;
        _hostLogger.PluginStopping(Name, Number);
        _watchdog?.Dispose();
        // No new messages; those already queued are drained before teardown (the drain is queued ahead of it).
        _address?.Dispose();
        _inbox?.Close();
        if (wasRunning)
        {
            try
            {
                await _interpreter.RunAsync($"_pluginhost_stop({Literal(Entry)})").WaitAsync(timeout);
            }
            catch (Exception e)
            {
                _hostLogger.StopHookFailed(Name, Number, Describe(e, timeout));
            }
        }
        try
        {
            await _interpreter.DisposeAsync().AsTask().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _hostLogger.InterpreterStuck(_interpreter.Id, timeout);
        }
        if (_inbox?.DropRemaining($"plugin {Name}/{Number} stopped before handling it") is > 0 and var left)
            _hostLogger.UndeliveredAtStop(Name, Number, left);
        _binding.FlushOutput();
        _monitor.LogSummary();
        if (_state == PluginState.Stopping)
            _state = PluginState.Stopped;
    }

    /// <summary>The policy from the manifest's capabilities or their configured override; throws when they do not parse.</summary>
    private InterpreterPolicy CreatePolicy()
    {
        var errors = new List<string>();
        var capabilities = PluginPolicies.Resolve(_descriptor, _configuredCapabilities, errors);
        if (errors.Count > 0)
            throw new InvalidOperationException(string.Join("; ", errors));
        if (capabilities.Names.Any())
            _hostLogger.PolicyGranted(Name, Number, string.Join(", ", capabilities.Names));
        var policy = PluginPolicies.Create(_descriptor, capabilities, _configuredCapabilities is not null, _monitor);
        _binding.Functions = new HostFunctionScope(Name, Number, _ownFunctions, _hostFunctions, capabilities.HostFunctions, policy.GrantHint!,
            (function, error) => _hostLogger.HostFunctionFailed(Name, Number, function, error), _monitor);
        return policy;
    }

    /// <summary>A handler called sys.exit(): this instance stops (off the interpreter's thread); others carry on.</summary>
    private void OnExitRequested(PythonException exit)
    {
        _hostLogger.PluginExitRequested(Name, Number, ExitCode(exit));
        _ = Task.Run(async () =>
        {
            await StopAsync(_stopTimeout);
            if (!IsCleanExit(exit))
            {
                _error = Describe(exit, _stopTimeout);
                _state = PluginState.Failed;
            }
        });
    }

    private static string ExitCode(PythonException exit) => exit.PythonMessage.Length == 0 ? "None" : exit.PythonMessage;

    private static bool IsCleanExit(PythonException exit) => exit.PythonMessage is "" or "0" or "None";

    /// <summary>Marks an instance that cannot start (its plugin's .NET part did not load); it never runs.</summary>
    public void MarkFailed(string error) => Fail(error);

    private void Fail(string error)
    {
        _error = error;
        _state = PluginState.Failed;
        _address?.Dispose();
        _inbox?.Close();
        _binding.FlushOutput();
        _hostLogger.PluginFailed(Name, Number, error);
    }

    private string BootstrapSource() =>
        $"{Bootstrap}\n_pluginhost_bootstrap({Literal(Name)}, {Literal(_descriptor.Folder)}, {Literal(Path.Combine(_descriptor.Folder, "lib"))}, {_binding.MinimumPythonLevel})\n";

    private static string Describe(Exception e, TimeSpan timeout) => e switch
    {
        PythonException python => $"{python.Message}{Environment.NewLine}{python.PythonTraceback}".TrimEnd(),
        TimeoutException => $"did not finish within {timeout}",
        _ => e.Message,
    };

    // A JSON string literal is also a valid Python string literal.
    private static string Literal(string value) => JsonSerializer.Serialize(value);

    private static string ReadBootstrap()
    {
        using var stream = typeof(PluginInstance).Assembly.GetManifestResourceStream("PluginHost.Host.Lifecycle.bootstrap.py")
            ?? throw new InvalidOperationException("bootstrap.py is not embedded in the host assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
