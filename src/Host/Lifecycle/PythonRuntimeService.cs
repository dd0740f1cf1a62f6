using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Owns the process's CPython runtime: started in StartingAsync (blocking work belongs there, not on the thread
/// pool's ExecuteAsync), shut down in StoppedAsync after every plugin has stopped.
/// </summary>
internal sealed class PythonRuntimeService(PythonRuntimeOptions python, IOptions<PluginHostOptions> host, ILoggerFactory loggers)
    : IHostedLifecycleService, IRuntimeAccess
{
    private PythonRuntime? _runtime;

    public PythonRuntime Runtime => _runtime ?? throw new InvalidOperationException("The Python runtime has not started.");

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _runtime = PythonRuntime.Start(python, loggers.CreateLogger<PythonRuntime>());
        return Task.CompletedTask;
    }

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_runtime is not null)
            await _runtime.ShutdownAsync(host.Value.StopTimeout);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
