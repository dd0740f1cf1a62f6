using Microsoft.Extensions.Logging;
using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

// Per interpreter: the watchdog (handler timeout, a handler that never comes back) and the memory sampler.
internal sealed partial class PluginInstance
{
    private readonly long? _memoryLimit;   // bytes
    private readonly TimeSpan _sampleInterval;
    private Timer? _sampler;
    private long _allocatedBytes = -1;
    private long _arenaBytes = -1;

    private void StartTimers(SubInterpreter interpreter)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_handlerTimeout.TotalMilliseconds / 4, 10, 1000));
        _watchdog = new Timer(_ => Watch(interpreter), null, period, period);
        _sampler = new Timer(_ => Sample(interpreter), null, TimeSpan.Zero, _sampleInterval);
    }

    private void StopTimers()
    {
        _watchdog?.Dispose();
        _sampler?.Dispose();
    }

    private void Watch(SubInterpreter interpreter)
    {
        _inbox.CheckHandlerTimeout(_handlerTimeout);
        // Interrupted long ago and still running: blocked in native code, where the interrupt cannot reach. Only a
        // fresh interpreter serves again; the old one ends when the call returns.
        var grace = _handlerTimeout + TimeSpan.FromTicks(Math.Max(_handlerTimeout.Ticks, TimeSpan.FromSeconds(5).Ticks));
        if (_restart.Enabled && _inbox.HandlerRunning is { } running && running > grace)
            RequestRestart(interpreter, $"a handler has run for {running:g} and did not return when interrupted (blocked in native code?)", Retire.Abandon, "stuck");
    }

    /// <summary>Posts a sample to the interpreter's own thread (its objects and allocator are touched nowhere else).</summary>
    private void Sample(SubInterpreter interpreter) =>
        interpreter.Post(scope =>
        {
            if (scope.ReadAllocator() is not { } allocator)
                return;
            Volatile.Write(ref _allocatedBytes, allocator.AllocatedBytes);
            Volatile.Write(ref _arenaBytes, allocator.ArenaBytes);
            _hostLogger.MemorySampled(Name, Number, allocator.AllocatedBytes, allocator.ArenaBytes);
            if (allocator.AllocatedBytes > _memoryLimit)
                RequestRestart(scope.Interpreter, $"its interpreter's allocator holds {allocator.AllocatedBytes / (1 << 20)} MiB ({allocator.AllocatedBytes} bytes) in live blocks, over the limit of {_memoryLimit / (1 << 20)} MiB (PluginHost:Plugins:{Name}:MemoryLimitMiB)", Retire.Teardown, "memory");
        }, e => _hostLogger.MemorySampleFailed(Name, Number, e.Message));
}
