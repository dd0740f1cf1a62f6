using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Owns the process's CPython runtime: started in StartingAsync (blocking work belongs there, not on the thread
/// pool's ExecuteAsync), shut down in StoppedAsync after every plugin has stopped, waiting only what is left of the
/// whole stop's StopTimeout (counted from StoppingAsync, before any hosted service stops; at least
/// <see cref="EndGrace"/> for interpreters still ending) before it finalises CPython.
/// </summary>
internal sealed class PythonRuntimeService(PythonRuntimeOptions python, IOptions<PluginHostOptions> host, ILoggerFactory loggers)
    : IHostedLifecycleService, IRuntimeAccess
{
    /// <summary>The least the runtime waits at shutdown for interpreters still ending (not abandoned) once StopTimeout is spent.</summary>
    private static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(1);

    private PythonRuntime? _runtime;
    private StopBudget? _stop;

    public PythonRuntime Runtime => _runtime ?? throw new InvalidOperationException("The Python runtime has not started.");

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _runtime = PythonRuntime.Start(python, loggers.CreateLogger<PythonRuntime>());
        return Task.CompletedTask;
    }

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_runtime is not null)
            await _runtime.ShutdownAsync(_stop?.EndLeft is { } left && left > EndGrace ? left : EndGrace);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stop = new StopBudget(host.Value.StopTimeout);
        return Task.CompletedTask;
    }
}
