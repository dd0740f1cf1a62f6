using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PluginHost.Host.Sandbox.Bpf;
using PluginHost.Host.Sandbox.Landlock;
using PluginHost.Host.Sandbox.Native;
using PluginHost.Host.Sandbox.Seccomp;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Benchmarks.Benchmarks.Sandbox;

/// <summary>What the kernel backstop costs, measured in child processes (<see cref="ChildModes"/>).</summary>
public static partial class SandboxCosts
{
    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();

    [LibraryImport("libc.so.6", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    private const int ClockThreadCpuTime = 3;   // CLOCK_THREAD_CPUTIME_ID

    private readonly record struct Timespec(long Seconds, long Nanoseconds);

    /// <summary>
    /// <c>open(O_RDONLY)</c> + <c>close</c> of a file seven directories deep, on one thread, before and after that
    /// thread enters a Landlock domain that allows reading the file's tree: the same file, the same thread. Times are
    /// the thread's CPU time, so other processes competing for the cores do not count. Arguments: iterations per
    /// round, rounds.
    /// </summary>
    public static void OpenCost(IReadOnlyList<string> arguments)
    {
        var iterations = arguments.Count > 0 ? int.Parse(arguments[0], CultureInfo.InvariantCulture) : 200_000;
        var rounds = arguments.Count > 1 ? int.Parse(arguments[1], CultureInfo.InvariantCulture) : 7;
        var root = Directory.CreateTempSubdirectory("pluginhost-bench-");
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(root.FullName, "a", "b", "c", "d", "e")).FullName;
            var file = Path.Combine(folder, "data.txt");
            File.WriteAllText(file, "x");
            List<double> before = [], after = [];
            var thread = new Thread(() =>
            {
                for (var i = 0; i < rounds; i++)
                    before.Add(OpenClose(file, iterations));
                Kernel.SetNoNewPrivileges();
                using (var ruleset = LandlockRuleset.Create(Kernel.LandlockAbi(), restrictTcp: true))
                {
                    ruleset.Allow(root.FullName, PathAccess.Read);
                    ruleset.RestrictCallingThread();
                }
                for (var i = 0; i < rounds; i++)
                    after.Add(OpenClose(file, iterations));
            });
            thread.Start();
            thread.Join();
            ChildModes.Report(new { file, depth = file.Count(c => c == '/'), iterations, before, after });
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Interpreter create and dispose times in a fresh runtime — with the run mode's strictest seccomp filter (no
    /// capability granted) on every thread when the argument is <c>filter</c>. Arguments: filter|none, cycles.
    /// </summary>
    public static async Task InterpreterCreateAsync(IReadOnlyList<string> arguments)
    {
        var filtered = arguments.Count > 0 && arguments[0] == "filter";
        var cycles = arguments.Count > 1 ? int.Parse(arguments[1], CultureInfo.InvariantCulture) : 40;
        await using var runtime = PythonRuntime.Start();
        if (filtered)
            SeccompFilter.Build(Capability.None, Environment.ProcessId).InstallOnAllThreads();
        for (var i = 0; i < 5; i++)
            await (await runtime.CreateInterpreterAsync()).DisposeAsync();
        var (creates, disposes, _) = await LifecycleBenchmark.CycleAsync(runtime, cycles);
        ChildModes.Report(new { filtered, creates, disposes });
    }

    /// <summary>
    /// The CPU time of one getppid() — a syscall that does nearly nothing, so a filter's share shows — on one thread,
    /// before and after a seccomp filter is installed on every thread: the run mode's strictest (no capability
    /// granted; argument <c>filter</c>), or one that allows everything (<c>allow-only</c>: what any filter costs, since
    /// the kernel then takes its slower syscall entry path). Every syscall of the host pays this. Arguments:
    /// filter|allow-only, rounds of a million calls.
    /// </summary>
    public static void SyscallCost(IReadOnlyList<string> arguments)
    {
        var allowOnly = arguments.Count > 0 && arguments[0] == "allow-only";
        var rounds = arguments.Count > 1 ? int.Parse(arguments[1], CultureInfo.InvariantCulture) : 7;
        List<double> before = [], after = [];
        for (var i = 0; i < rounds; i++)
            before.Add(GetParentProcessIdNanoseconds());
        var program = allowOnly ? AllowEverything() : SeccompFilter.Build(Capability.None, Environment.ProcessId).Program;
        Kernel.SetNoNewPrivileges();
        Kernel.SeccompInstallOnAllThreads([.. program]);
        for (var i = 0; i < rounds; i++)
            after.Add(GetParentProcessIdNanoseconds());
        ChildModes.Report(new { instructions = program.Count, before, after });
    }

    private static BpfInstruction[] AllowEverything()
    {
        var code = new BpfAssembler();
        code.Return(Kernel.SECCOMP_RET_ALLOW);
        return code.Assemble();
    }

    private static double OpenClose(string file, int iterations)
    {
        var start = ThreadCpuNanoseconds();
        for (var i = 0; i < iterations; i++)
        {
            var fd = Open(file, 0);
            if (fd < 0)
                throw new IOException($"open({file}) failed");
            Close(fd);
        }
        return (ThreadCpuNanoseconds() - start) / iterations;
    }

    private static double GetParentProcessIdNanoseconds()
    {
        const int Calls = 1_000_000;
        var start = ThreadCpuNanoseconds();
        for (var i = 0; i < Calls; i++)
            GetParentProcessId();
        return (ThreadCpuNanoseconds() - start) / Calls;
    }

    private static double ThreadCpuNanoseconds()
    {
        ClockGetTime(ClockThreadCpuTime, out var time);
        return time.Seconds * 1e9 + time.Nanoseconds;
    }
}
