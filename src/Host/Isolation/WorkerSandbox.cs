using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using PluginHost.Host.Policy;
using PluginHost.Host.Sandbox;
using PluginHost.Host.Sandbox.Confinement;
using PluginHost.Host.Sandbox.Native;
using PluginHost.Host.Sandbox.Seccomp;
using PluginHost.Interpreter.Locating;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Isolation;

/// <summary>
/// The worker's side of its kernel sandbox (docs/isolation.md, "The worker's kernel sandbox"), done as
/// <c>pluginhost check</c> confines itself: once the host's <see cref="FrameKind.Start"/> arrived, a dedicated thread
/// enters a private network namespace (when the plugin lacks <c>network</c>), sets the resource limits, and
/// re-executes the worker with no_new_privs, no capabilities and Landlock (<see cref="SelfConfinement"/>), the
/// connected channel and the start inherited as descriptors. The re-executed worker checks that it is confined, and
/// once CPython is up limits its address space and installs the plugin's seccomp filter, before any plugin code runs.
/// </summary>
internal static class WorkerSandbox
{
    /// <summary>The inherited channel socket's descriptor; set by the worker itself when it re-executes, not by people.</summary>
    public const string ChannelFdOption = "--channel-fd";

    /// <summary>A memfd holding the start frame's <see cref="WorkerStart"/> as JSON (not the environment: plugins read that).</summary>
    public const string StartFdOption = "--start-fd";

    /// <summary>The page shared with the host (<see cref="RunningSlot"/>), whose file is gone once the worker connected.</summary>
    public const string SlotFdOption = "--slot-fd";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>In the re-executed worker: the channel and the start it inherited. Both descriptors are owned from here on.</summary>
    public static (Socket Socket, WorkerStart Start) Inherit(int channelFd, int startFd)
    {
        WorkerStart start;
        using (var handle = new SafeFileHandle(startFd, ownsHandle: true))
        {
            var bytes = new byte[RandomAccess.GetLength(handle)];
            RandomAccess.Read(handle, bytes, 0);
            start = JsonSerializer.Deserialize<WorkerStart>(bytes, Json) ?? throw new InvalidDataException("an empty start in the inherited memfd");
        }
        Kernel.MakeBlocking(channelFd);   // the channel's receiving thread blocks in recv
        return (new Socket(new SafeSocketHandle(channelFd, ownsHandle: true)), start);
    }

    /// <summary>
    /// Before CPython starts, in the worker the host started: confines it and re-executes, and so returns only when
    /// the start asks for no sandbox. Exits the process when confining failed.
    /// </summary>
    public static void Enter(WorkerStart start, Socket socket, RunningSlot? slot, string? pythonLibrary)
    {
        if (start is not { Sandbox: { } spec, Policy: { Home: { } folder } policy })
            return;
        var plan = ConfinementPlan.For(folder, Capabilities(policy), PythonLocator.ForThisProcess().Locate(pythonLibrary));
        var startJson = JsonSerializer.SerializeToUtf8Bytes(start, Json);
        Exception? failure = null;
        // Namespaces, Landlock and capabilities are per thread: one thread of its own does it all and then execve.
        var confining = new Thread(() =>
        {
            try
            {
                ConfineAndReExecute(spec, policy, plan, socket, slot, startJson);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { Name = "worker sandbox" };
        confining.Start();
        confining.Join();
        Exit($"could not enter its sandbox: {failure?.Message}");
    }

    private static void ConfineAndReExecute(WorkerSandboxSpec spec, InterpreterPolicy policy, ConfinementPlan plan, Socket socket, RunningSlot? slot, byte[] startJson)
    {
        if (spec.PrivateNetwork && (policy.Granted & Capability.Network) == 0)
            Kernel.UnshareNetwork();
        // Process-wide, kept across execve; neither can be raised again without CAP_SYS_RESOURCE.
        Kernel.SetResourceLimit(Kernel.RLIMIT_CORE, 0);
        Kernel.SetResourceLimit(Kernel.RLIMIT_NOFILE, (ulong)spec.OpenFiles);
        var startFd = Kernel.MemoryFile("pluginhost-worker-start");
        using (var handle = new SafeFileHandle(startFd, ownsHandle: false))
            RandomAccess.Write(handle, startJson, 0);
        var channelFd = (int)socket.SafeHandle.DangerousGetHandle();
        Kernel.KeepAcrossExec(channelFd);
        List<string> inherit = [ChannelFdOption, channelFd.ToString(CultureInfo.InvariantCulture), StartFdOption, startFd.ToString(CultureInfo.InvariantCulture)];
        if (slot is not null)
        {
            Kernel.KeepAcrossExec(slot.Descriptor);
            inherit.AddRange([SlotFdOption, slot.Descriptor.ToString(CultureInfo.InvariantCulture)]);
        }
        SelfConfinement.ReExecute(plan, spec.LandlockAbi, inherit,
            new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" });
    }

    /// <summary>
    /// In the re-executed worker, once CPython is up and before the plugin's code runs: checks that the process is
    /// confined, limits its address space, and installs the plugin's seccomp filter on every thread (after the limit:
    /// the filter denies setting one). Exits the process when it is not confined as asked.
    /// </summary>
    public static void Complete(WorkerStart start)
    {
        if (start is not { Sandbox: { } spec, Policy: { } policy })
            return;
        var status = ProcessStatus.Read();
        if (!status.NoNewPrivileges || (status.Effective | status.Permitted) != 0)
            Exit($"{ChannelFdOption} is set by the worker when it re-executes inside its sandbox, and this process is not confined");
        try
        {
            if (spec.AddressSpaceBytes is { } budget)
                Kernel.SetResourceLimit(Kernel.RLIMIT_AS, (ulong)(ProcessStatus.AddressSpaceBytes() + budget));
            if (spec.Seccomp)
                SeccompFilter.Build(policy.Granted, Environment.ProcessId, spec.AllowSyscalls).InstallOnAllThreads();
        }
        catch (KernelException e)
        {
            Exit($"could not complete its sandbox: {e.Message}");
        }
    }

    /// <summary>
    /// Ends a worker that cannot be confined as the host asked, with the reason on stderr (the host logs it, and the
    /// start fails): it must not run the plugin less confined, and a thread of it may be confined half-way.
    /// </summary>
    [DoesNotReturn]
    private static void Exit(string why)
    {
        Console.Error.WriteLine($"pluginhost worker: {why}");
        Environment.Exit(1);
    }

    private static PluginCapabilities Capabilities(InterpreterPolicy policy) => new(policy.Granted, policy.ReadPaths, policy.WritePaths);
}
