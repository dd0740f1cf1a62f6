using System.Net.Sockets;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Isolation;

/// <summary>
/// <c>pluginhost worker --channel &lt;socket&gt; [--python &lt;library&gt;]</c>: the worker mode of this executable (not
/// listed in help; the host starts it). Connects to the host, starts CPython, and serves one plugin instance's
/// runtime until the host says <see cref="FrameKind.End"/> or the channel closes (the host died: the kernel closed
/// its end), then exits.
/// </summary>
internal static class WorkerMain
{
    public const string Verb = "worker";

    public static async Task<int> RunAsync(string[] args)
    {
        using var signals = StopSignals.Ignore();
        string? channelPath = null, python = null;
        int? channelFd = null, startFd = null, slotFd = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--channel": channelPath = args[i + 1]; break;
                case "--python": python = args[i + 1]; break;
                case WorkerSandbox.ChannelFdOption when int.TryParse(args[i + 1], out var fd): channelFd = fd; break;
                case WorkerSandbox.StartFdOption when int.TryParse(args[i + 1], out var fd): startFd = fd; break;
                case WorkerSandbox.SlotFdOption when int.TryParse(args[i + 1], out var fd): slotFd = fd; break;
                default: return Usage($"unknown option {args[i]}");
            }
        }
        if (channelPath is null || args.Length % 2 != 0 || channelFd.HasValue != startFd.HasValue)
            return Usage("--channel <unix socket path> is required");

        // Re-executed inside its kernel sandbox (WorkerSandbox), the worker inherits the channel, the start and the page
        // it shares with the host; else it opens that page before connecting (the host removes the folder once connected).
        var inherited = channelFd is { } inheritedChannel && startFd is { } inheritedStart ? WorkerSandbox.Inherit(inheritedChannel, inheritedStart) : default;
        using var running = slotFd is { } inheritedSlot ? RunningSlot.Inherit(inheritedSlot) : inherited.Socket is null ? RunningSlot.Open(channelPath) : null;
        var socket = inherited.Socket ?? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (inherited.Socket is null)
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(channelPath)).ConfigureAwait(false);
        await using var channel = new FrameChannel(socket);
        if ((inherited.Start ?? (await channel.ReceiveAsync().ConfigureAwait(false) is { Kind: FrameKind.Start, Start: { } received } ? received : null)) is not { } start)
        {
            await Console.Error.WriteLineAsync("pluginhost worker: the host sent no start").ConfigureAwait(false);
            return 1;
        }
        if (inherited.Socket is null)
            WorkerSandbox.Enter(start, socket, running, python);   // confines and re-executes this worker, unless the host asks for no sandbox
        var runtime = PythonRuntime.Start(new PythonRuntimeOptions { Library = python });
        if (inherited.Socket is not null)
            WorkerSandbox.Complete(start);   // before any plugin code: the address-space limit and the plugin's seccomp filter
        var calls = new PendingCalls();
        using var source = new WorkerSource(channel, running);
        var endTimeout = TimeSpan.FromSeconds(Math.Max(start.ThreadEndTimeoutSeconds, 0.1));
        // The instance runs in the main interpreter, alone in this process: single-phase-init modules may load.
        var interpreter = await runtime.CreateInterpreterAsync(new InterpreterOptions { Name = start.Name, ThreadEndTimeout = endTimeout, MainInterpreter = true },
            new WorkerBinding(start, channel, calls, source), start.Policy is { } policy ? policy with { Listener = new PolicyRelay(channel), AllowSinglePhaseModules = true } : null).ConfigureAwait(false);
        channel.Send(new Frame { Kind = FrameKind.Started, Number = (int)interpreter.Id });

        var ended = false;
        try
        {
            while (await channel.ReceiveAsync().ConfigureAwait(false) is { } frame)
            {
                switch (frame.Kind)
                {
                    case FrameKind.Run:
                        channel.Answer(frame.Id, Run(interpreter, frame.Text ?? ""));
                        break;
                    case FrameKind.Deliver:
                        foreach (var delivery in frame.Deliveries ?? [])
                            source.Add(delivery);
                        interpreter.Schedule(source);
                        break;
                    case FrameKind.Sample:
                        channel.Answer(frame.Id, Sample(interpreter));
                        break;
                    case FrameKind.Interrupt:
                        channel.Answer(frame.Id, Interrupt(interpreter, source, frame.Target));
                        break;
                    case FrameKind.Done:
                        calls.Complete(frame);
                        break;
                    case FrameKind.End:
                        ended = true;
                        break;
                }
                if (ended)
                    break;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            await Console.Error.WriteLineAsync($"pluginhost worker: the channel failed: {e.Message}").ConfigureAwait(false);
        }
        // Ended by the host, or the host is gone: end the instance within its budget; what does not end is left to exit.
        calls.EndAll(new ObjectDisposedException(nameof(FrameChannel), "the host ended this worker"));
        try
        {
            await interpreter.DisposeAsync().AsTask().WaitAsync(endTimeout * 2).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Stuck in C: the process exits under it (the host kills a worker that does not exit in time anyway).
        }
        await runtime.ShutdownAsync(endTimeout).ConfigureAwait(false);
        return ended ? 0 : 3;
    }

    private static async Task<Frame> Run(IInstanceRuntime interpreter, string source)
    {
        await interpreter.RunAsync(source).ConfigureAwait(false);
        return new Frame();
    }

    private static async Task<Frame> Sample(IInstanceRuntime interpreter) => new()
    {
        Figures = new WireFigures
        {
            Allocator = await interpreter.SampleAllocatorAsync().ConfigureAwait(false),
            LargeBytes = interpreter.LargeBytes,
            MessageBytes = interpreter.MessageBytes,
        },
    };

    /// <summary>
    /// Interrupts the handler of delivery <paramref name="target"/> only if it still runs (judged with the GIL held, as
    /// in-process): the host may have asked while it ended and the next began. 0: whatever runs.
    /// </summary>
    private static async Task<Frame> Interrupt(IInstanceRuntime interpreter, WorkerSource source, long target) =>
        new() { Flag = await interpreter.InterruptAsync(() => target == 0 || source.Running == target).ConfigureAwait(false) };

    /// <summary>The worker's policy decisions, sent to the host's listener (quick: a queued frame, no wait).</summary>
    private sealed class PolicyRelay(FrameChannel channel) : IPolicyListener
    {
        public void Denied(in PolicyDecision decision) => channel.Send(new Frame { Kind = FrameKind.Policy, Decision = decision });

        public void Allowed(in PolicyDecision decision) => channel.Send(new Frame { Kind = FrameKind.Policy, Flag = true, Decision = decision });
    }

    private static int Usage(string error)
    {
        Console.Error.WriteLine($"pluginhost worker: {error} (this mode is started by the host for plugins with \"isolation\": \"process\")");
        return 2;
    }
}
