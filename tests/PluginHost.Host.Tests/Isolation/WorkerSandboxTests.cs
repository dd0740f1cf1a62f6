using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;
using PluginHost.Host.Tests.Sandbox;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// A worker process's own kernel sandbox: a plugin granted <c>native-code</c> makes raw syscalls (the native-calls
/// fixture: no audit event), so what stops them is the kernel. Real host, real worker processes; the host runs as root.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed partial class WorkerSandboxTests(PythonRuntimeFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("pluginhost-outside-");

    // Raw syscalls, each result "ok" or the errno's name; a fork or clone the kernel let through ends in the child at once.
    private const string Calls = """
        import errno, os, struct, nativecalls

        def name(result):
            return "ok" if result >= 0 else errno.errorcode[-result]

        def close(fd):
            if fd >= 0:
                nativecalls.syscall(3, fd)
            return fd

        def connect(port):
            fd = nativecalls.syscall(41, 2, 1, 0)   # socket(AF_INET, SOCK_STREAM)
            address = struct.pack("<H", 2) + struct.pack(">H", port) + bytes([127, 0, 0, 1]) + bytes(8)
            try:
                return name(nativecalls.syscall(42, fd, address, len(address)))
            finally:
                close(fd)

        def process(number, *args):
            result = nativecalls.syscall(number, *args)
            if result == 0:
                os._exit(0)   # the child, had the kernel allowed it
            return name(result)
        """;

    [Fact]
    public async Task TheKernelDeniesANativeWorkerPluginFilesOutsideItsGrantsTcpPtraceAndNewProcesses()
    {
        var secret = Path.Combine(_outside.FullName, "secret.txt");
        File.WriteAllText(secret, "not for plugins");
        var granted = Directory.CreateDirectory(Path.Combine(_outside.FullName, "granted")).FullName;
        File.WriteAllText(Path.Combine(granted, "data.txt"), "granted data");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var harness = new SupervisorHarness(fixture);
        NativeCallsPlugin.AddTo(harness.Plugin("native", Calls + $$"""

            def on_message(message):
                with open({{JsonSerializer.Serialize(Path.Combine(granted, "data.txt"))}}) as f:
                    data = f.read()
                return {
                    "pid": os.getpid(), "granted": data,
                    "open outside": name(close(nativecalls.syscall(2, {{JsonSerializer.Serialize(secret)}}.encode(), 0))),
                    "connect": connect({{port}}),
                    "ptrace": name(nativecalls.syscall(101, 3, 1, 0, 0)),   # PTRACE_PEEKUSER of pid 1: ESRCH unless denied
                    "fork": process(57),
                    "clone": process(56, 17, 0, 0, 0, 0),   # clone(SIGCHLD): a process, not a thread
                }
            """, $$""" "isolation": "process", "capabilities": ["native-code", "filesystem.read:{{granted}}"] """));
        await harness.StartAsync();

        using var reply = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "native"), TimeSpan.FromSeconds(30))));

        var results = reply.RootElement;
        var pid = results.GetProperty("pid").GetInt32();
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal("granted data", results.GetProperty("granted").GetString());
        Assert.Equal("EACCES", results.GetProperty("open outside").GetString());           // Landlock
        Assert.Contains(results.GetProperty("connect").GetString(), new[] { "EACCES", "ENETUNREACH" });   // Landlock, or the empty namespace
        Assert.Equal("EPERM", results.GetProperty("ptrace").GetString());                  // seccomp
        Assert.Equal("EPERM", results.GetProperty("fork").GetString());
        Assert.Equal("EPERM", results.GetProperty("clone").GetString());

        var status = Status(pid);
        Assert.Equal("1", status["NoNewPrivs"]);
        Assert.Equal("2", status["Seccomp"]);
        foreach (var set in new[] { "CapEff", "CapPrm", "CapBnd" })
            Assert.True(ulong.Parse(status[set], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == 0, $"{set} {status[set]}");
        Assert.NotEqual(NetworkNamespace(Environment.ProcessId), NetworkNamespace(pid));
        var limits = File.ReadAllText($"/proc/{pid}/limits");
        Assert.Matches(@"Max open files\s+1024\s+1024", limits);
        Assert.Matches(@"Max core file size\s+0\s+0", limits);
        Assert.Matches(@"Max address space\s+unlimited", limits);   // no MemoryLimitMiB
        Assert.Contains("no_new_privs, no capabilities", Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.WorkerSandbox).Message);
    }

    [Fact]
    public async Task WithNetworkGrantedTheWorkerStaysInTheHostsNetworkAndConnectsToALoopbackListener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepting = listener.AcceptTcpClientAsync();
        await using var harness = new SupervisorHarness(fixture);
        NativeCallsPlugin.AddTo(harness.Plugin("networked", Calls + $$"""

            def on_message(message):
                return {"pid": os.getpid(), "connect": connect({{((IPEndPoint)listener.LocalEndpoint).Port}}), "fork": process(57)}
            """, """ "isolation": "process", "capabilities": ["native-code", "network"] """));
        await harness.StartAsync();

        using var reply = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "networked"), TimeSpan.FromSeconds(30))));

        Assert.Equal("ok", reply.RootElement.GetProperty("connect").GetString());
        using var accepted = await accepting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("EPERM", reply.RootElement.GetProperty("fork").GetString());   // still confined otherwise
        var pid = reply.RootElement.GetProperty("pid").GetInt32();
        Assert.Equal(NetworkNamespace(Environment.ProcessId), NetworkNamespace(pid));
        Assert.Equal("1", Status(pid)["NoNewPrivs"]);
    }

    [Fact]
    public async Task MemoryLimitMiBLimitsTheWorkersAddressSpaceSoAHugeAllocationFailsAtOnceAndThePluginCarriesOn()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Options.Plugins["hoarder"] = new PluginHost.Host.Configuration.PluginOptions { MemoryLimitMiB = 64 };
        harness.Plugin("hoarder", """
            import os
            def on_message(message):
                try:
                    bytearray(8 << 30)   # 8 GiB: far past 2 x 64 MiB + 1 GiB of address space
                    return [os.getpid(), "allocated"]
                except MemoryError:
                    return [os.getpid(), "MemoryError", len(bytearray(64 << 20))]   # what fits still does
            """, """ "isolation": "process" """);
        await harness.StartAsync();

        using var reply = JsonDocument.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("go", "null", to: "hoarder"), TimeSpan.FromSeconds(30))));

        Assert.Equal("MemoryError", reply.RootElement[1].GetString());
        Assert.Equal(64 << 20, reply.RootElement[2].GetInt32());
        var limit = AddressSpaceLimit().Match(File.ReadAllText($"/proc/{reply.RootElement[0].GetInt32()}/limits"));
        Assert.True(limit.Success);
        Assert.True(long.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture) > (2L * 64 << 20) + (1L << 30));   // above the VmSize it started with
    }

    [Fact]
    public async Task WithTheSandboxOffTheWorkerIsUnconfined()
    {
        await using var harness = new SupervisorHarness(fixture);
        harness.Sandbox.Enabled = false;
        harness.Plugin("free", "import os\ndef on_message(message):\n    return os.getpid()\n", """ "isolation": "process" """);
        await harness.StartAsync();

        var pid = int.Parse(TextOf(await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "free"), TimeSpan.FromSeconds(30))));

        var status = Status(pid);
        Assert.Equal("0", status["NoNewPrivs"]);
        Assert.Equal("0", status["Seccomp"]);
        Assert.Equal(Status(Environment.ProcessId)["CapEff"], status["CapEff"]);   // the host's (root's) capabilities
        Assert.Equal(NetworkNamespace(Environment.ProcessId), NetworkNamespace(pid));
        Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.WorkerSandboxDisabled);
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.WorkerSandbox);
    }

    /// <summary>
    /// The real program: its kernel backstop denies the host process creation again, as the spawner started before it
    /// starts the workers, which are not under the host's filter and confine themselves.
    /// </summary>
    [Fact]
    public async Task AWorkerOfTheRealHostIsStartedByTheSpawnerOutsideTheHostsFilterWhichDeniesTheHostProcessCreation()
    {
        using var folders = new PluginFolders();
        var folder = folders.Plugin("isolated", PluginFolders.Manifest("isolated", extra: """ "isolation": "process" """));
        File.WriteAllText(Path.Combine(folder, "main.py"), "def on_message(message):\n    pass\n");
        // A neighbour in the host's own process, making raw syscalls under the host's filter once the worker runs
        // (dependsOn: plugins start in parallel otherwise, and the worker's pid would not be logged yet).
        var native = folders.Plugin("native", PluginFolders.Manifest("native", extra: """ "capabilities": ["native-code"], "dependsOn": ["isolated"] """));
        NativeCallsPlugin.AddTo(native);
        File.WriteAllText(Path.Combine(native, "main.py"), """
            import json, os, probe
            here = os.path.dirname(os.path.abspath(__file__))
            print("NATIVE " + json.dumps(probe.run(os.path.join(here, "main.py"), os.path.join(here, "main.py"), here)))
            """);
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={folders.Root}"]);
        await host.WaitForOutputAsync("NATIVE", TimeSpan.FromSeconds(60));
        var worker = int.Parse(WorkerPid().Match(host.Output).Groups[1].Value);

        var status = Status(worker);
        Assert.Equal("1", status["NoNewPrivs"]);
        Assert.Equal(0UL, ulong.Parse(status["CapEff"], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        Assert.Equal("1", status["Seccomp_filters"]);   // its own, not the host's
        Assert.NotEqual(NetworkNamespace(Environment.ProcessId), NetworkNamespace(worker));
        var spawner = int.Parse(status["PPid"], CultureInfo.InvariantCulture);
        Assert.Contains("spawner", File.ReadAllText($"/proc/{spawner}/cmdline"));
        Assert.Equal("0", Status(spawner)["Seccomp"]);
        Assert.Contains("Worker sandbox: each worker process confines itself", host.Output);
        Assert.Contains("process creation (no plugin holds process.spawn)", host.Output);
        Assert.Contains("signals to other processes (no plugin holds process.spawn or process.signal)", host.Output);
        Assert.DoesNotContain("exempted", host.Output);
        NativeCallsPlugin.AssertDeniedByTheFilter(NativeCallsPlugin.Results(host.Output));   // execve, kill, prlimit64 set: EPERM in the host
    }

    [Fact]
    public async Task TheSpawnerAndItsWorkerEndWhenTheHostIsKilled()
    {
        using var folders = new PluginFolders();
        var folder = folders.Plugin("isolated", PluginFolders.Manifest("isolated", extra: """ "isolation": "process" """));
        File.WriteAllText(Path.Combine(folder, "main.py"), "def on_message(message):\n    pass\n");
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={folders.Root}"]);
        await host.WaitForOutputAsync("is running in interpreter", TimeSpan.FromSeconds(60));
        var worker = int.Parse(WorkerPid().Match(host.Output).Groups[1].Value);
        var spawner = int.Parse(Status(worker)["PPid"], CultureInfo.InvariantCulture);
        Assert.True(WorkerHostDeathTests.Alive(spawner));

        host.Kill();   // SIGKILL: the spawner's stdin closes; it kills the worker (which would also see its channel close) and exits

        await Until(() => !WorkerHostDeathTests.Alive(worker) && !WorkerHostDeathTests.Alive(spawner), 20);
    }

    /// <summary>
    /// What the kernel does not give is said once and the rest still applies; or, required, it stops the workers'
    /// start. setpriv (util-linux) starts the host with CAP_SYS_ADMIN out of its bounding set, so even root lacks it,
    /// and with it unshare(CLONE_NEWNET).
    /// </summary>
    [Fact]
    public async Task WithoutCapSysAdminWorkersGetNoNetworkNamespaceSaidOnceAndRequiredStopsTheirStart()
    {
        using var folders = new PluginFolders();
        var folder = folders.Plugin("isolated", PluginFolders.Manifest("isolated", extra: """ "isolation": "process", "instances": 2 """));
        File.WriteAllText(Path.Combine(folder, "main.py"), "def on_message(message):\n    pass\n");
        string[] launcher = ["setpriv", "--bounding-set", "-sys_admin"];
        using (var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={folders.Root}"], launcher: launcher))
        {
            // Both running (instances start in parallel: instance 1 may be running while instance 0 is still confining itself).
            await host.WaitForOutputAsync("2 of 2 plugin instances running", TimeSpan.FromSeconds(90));

            Assert.Single(Regex.Matches(host.Output, "Worker sandbox without a private network namespace: the host lacks CAP_SYS_ADMIN"));
            foreach (Match started in WorkerPid().Matches(host.Output))
            {
                var worker = int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.Equal(NetworkNamespace(Environment.ProcessId), NetworkNamespace(worker));
                Assert.Equal("1", Status(worker)["NoNewPrivs"]);   // confined otherwise
                Assert.Equal("2", Status(worker)["Seccomp"]);
            }
        }

        using var required = HostProcess.Start([$"--PluginHost:PluginDirectories:0={folders.Root}", "--PluginHost:Sandbox:Required=true"], launcher: launcher);
        await required.WaitForOutputAsync("Plugin isolated instance 1 failed to start", TimeSpan.FromSeconds(90));

        Assert.Contains("PluginHost:Sandbox:Required is true, but the worker sandbox lacks a private network namespace: the host lacks CAP_SYS_ADMIN", required.Output);
        Assert.DoesNotMatch(WorkerPid(), required.Output);   // no worker was started
    }

    private static Dictionary<string, string> Status(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());

    private static string NetworkNamespace(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget!;

    [GeneratedRegex(@"Max address space\s+(\d+)\s+\d+")]
    private static partial Regex AddressSpaceLimit();

    [GeneratedRegex(@"runs in worker process (\d+)")]
    private static partial Regex WorkerPid();

    public void Dispose() => _outside.Delete(recursive: true);
}
