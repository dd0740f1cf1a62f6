using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Interpreter;

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

    public PluginInstance(PluginDescriptor descriptor, int number, ILoggerFactory loggers, MessageBroker broker)
    {
        _descriptor = descriptor;
        Number = number;
        _broker = broker;
        _hostLogger = loggers.CreateLogger<PluginInstance>();
        _binding = new PluginBinding(descriptor, number, loggers.CreateLogger($"PluginHost.Plugins.{descriptor.Name}"), broker);
    }

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
            _interpreter = await runtime.CreateInterpreterAsync(new InterpreterOptions { Name = $"plugin:{Name}/{Number}" }, _binding).WaitAsync(timeout, cancellationToken);
            _inbox = new PluginInbox(Name, Number, _broker.Options.InboxCapacity, _interpreter, _broker, _hostLogger);
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
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Fail(Describe(e, timeout));
            if (e is TimeoutException && _interpreter is { } stuck)
                await stuck.InterruptAsync(() => _state == PluginState.Failed);
        }
    }

    /// <summary>Runs teardown() (if it started) within <paramref name="timeout"/>, then ends the interpreter.</summary>
    public async Task StopAsync(TimeSpan timeout)
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
        if (_state == PluginState.Stopping)
            _state = PluginState.Stopped;
    }

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
