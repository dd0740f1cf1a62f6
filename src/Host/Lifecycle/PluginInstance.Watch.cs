using System.Globalization;
using Microsoft.Extensions.Logging;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Lifecycle;

// Per interpreter: the watchdog (handler timeout, a handler that never comes back) and the memory sampler, both on
// the host's one WatchdogClock.
internal sealed partial class PluginInstance
{
    private readonly long? _memoryLimit;   // bytes
    private readonly TimeSpan _sampleInterval;
    private IDisposable? _sampler;
    // The current interpreter's last figures (-1: none yet): its own allocator's live blocks and arenas (sampled on
    // its thread), its large blocks and the received payloads its Message objects keep (counters, read by the timer).
    private long _allocatedBytes = -1;
    private long _arenaBytes = -1;
    private long _largeBytes = -1;
    private long _messageBytes;
    private long _residentBytes = -1;   // a worker's own resident memory (read by the timer); -1: none, or in-process

    private void StartTimers(IInstanceRuntime interpreter)
    {
        ResetMemory();
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_handlerTimeout.TotalMilliseconds / 4, 10, 1000));
        _watchdog = _watchdogs.Add(period, () => Watch(interpreter));
        _sampler = _watchdogs.Add(_sampleInterval, () => Sample(interpreter));
        ThreadPool.UnsafeQueueUserWorkItem(_ => Sample(interpreter), null);   // the first figures now (callers hold _gate)
    }

    private void StopTimers()
    {
        _watchdog?.Dispose();
        _sampler?.Dispose();
    }

    private void Watch(IInstanceRuntime interpreter)
    {
        if (!IsServing(interpreter))
            return;   // a retired interpreter's timer, still firing once, or one being stopped
        _inbox.CheckHandlerTimeout(_handlerTimeout);
        // Interrupted long ago and still running: blocked in native code, where the interrupt cannot reach. Only a
        // fresh interpreter serves again; the old one ends when the call returns.
        var grace = _handlerTimeout + TimeSpan.FromTicks(Math.Max(_handlerTimeout.Ticks, TimeSpan.FromSeconds(5).Ticks));
        if (_policy.Enabled && _inbox.HandlerRunning is { } running && running > grace)
            RequestRestart(interpreter, $"a handler has run for {running:g} and did not return when interrupted (blocked in native code?)", Retire.Abandon, "stuck");
    }

    /// <summary>A fresh interpreter: no figures yet, and the inbox may hold the whole limit until its first sample.</summary>
    private void ResetMemory()
    {
        Volatile.Write(ref _allocatedBytes, -1);
        Volatile.Write(ref _arenaBytes, -1);
        Volatile.Write(ref _largeBytes, -1);
        Volatile.Write(ref _messageBytes, 0);
        Volatile.Write(ref _residentBytes, -1);
        _inbox.LimitBytes(_memoryLimit, LimitKey);
    }

    /// <summary>
    /// Reads the counters here (they need no GIL, so an instance busy in a long handler is checked too) and asks the
    /// interpreter for its small-object figures (its allocator is read nowhere else).
    /// </summary>
    private void Sample(IInstanceRuntime interpreter)
    {
        if (!IsServing(interpreter))
            return;   // a retired interpreter's timer, still firing once, or one being stopped
        if (interpreter.LargeBytes is { } large)
            Volatile.Write(ref _largeBytes, large);
        Volatile.Write(ref _messageBytes, interpreter.MessageBytes);
        CheckMemory(interpreter);
        CheckResident(interpreter);
        _ = SampleAllocatorAsync(interpreter);
    }

    /// <summary>The small-object figures, read by the interpreter itself between its work (its allocator is read nowhere else).</summary>
    private async Task SampleAllocatorAsync(IInstanceRuntime interpreter)
    {
        try
        {
            if (await interpreter.SampleAllocatorAsync().ConfigureAwait(false) is not { } allocator || !IsServing(interpreter))
                return;
            Volatile.Write(ref _allocatedBytes, allocator.AllocatedBytes);
            Volatile.Write(ref _arenaBytes, allocator.ArenaBytes);
            if (allocator.LargeBytes is { } now)
                Volatile.Write(ref _largeBytes, now);
            _hostLogger.MemorySampled(Name, Number, allocator.AllocatedBytes, allocator.ArenaBytes, allocator.LargeBytes ?? 0, interpreter.MessageBytes, _inbox.WaitingBytes);
            CheckMemory(interpreter);
        }
        catch (ObjectDisposedException)
        {
            // The interpreter ended before the sample ran (stop, restart): nothing to sample.
        }
        catch (Exception e)
        {
            _hostLogger.MemorySampleFailed(Name, Number, e.Message);
        }
    }

    /// <summary>
    /// Against <c>MemoryLimitMiB</c>: what the interpreter holds (small and large blocks, and received payloads its
    /// Message objects keep) restarts it when over the limit; the inbox may hold
    /// what the interpreter leaves of it. Waiting messages never restart the instance: a restart cannot free them
    /// (the inbox outlives the interpreter), so the inbox refuses more instead.
    /// </summary>
    private void CheckMemory(IInstanceRuntime interpreter)
    {
        if (_memoryLimit is not { } limit)
            return;
        var allocated = Math.Max(Volatile.Read(ref _allocatedBytes), 0);
        var large = Math.Max(Volatile.Read(ref _largeBytes), 0);
        var messages = Volatile.Read(ref _messageBytes);
        var held = allocated + large + messages;
        _inbox.LimitBytes(limit - held, $"what {LimitKey} leaves beside the {MiB(held)} its interpreter holds");
        if (held > limit)
        {
            RequestRestart(interpreter,
                $"its interpreter holds {MiB(held)} ({held} bytes): {MiB(large)} in large blocks (objects over 512 bytes), {MiB(allocated)} in live blocks of its own allocator and {MiB(messages)} in received payloads its Message objects keep, over the limit of {MiB(limit)} ({LimitKey})",
                Retire.Teardown, "memory");
        }
    }

    /// <summary>
    /// A worker's own resident memory (read from /proc by the host, so native allocations no interpreter figure sees
    /// count too) against <c>MemoryLimitMiB</c>: over it, the instance restarts in a fresh worker as for the figures above.
    /// </summary>
    private void CheckResident(IInstanceRuntime interpreter)
    {
        if (interpreter.ResidentBytes is not { } resident)
            return;
        Volatile.Write(ref _residentBytes, resident);
        if (_memoryLimit is { } limit && resident > limit)
        {
            RequestRestart(interpreter,
                $"its worker process holds {MiB(resident)} ({resident} bytes) of resident memory (anonymous and shared-memory pages, not mapped files), over the limit of {MiB(limit)} ({LimitKey})",
                Retire.Teardown, "memory");
        }
    }

    private string LimitKey => $"PluginHost:Plugins:{Name}:MemoryLimitMiB";

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB");
}
