using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PluginHost.Benchmarks.Infrastructure;
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

    /// <summary>
    /// <c>open(O_RDONLY)</c> + <c>close</c> of a file seven directories deep, on one thread, before and after that
    /// thread enters a Landlock domain that allows reading the file's tree: the same file, the same thread.
    /// Arguments: iterations per round, rounds.
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
    /// Interpreter create and dispose times, and the cost of one trivial syscall (getppid), in a fresh runtime — with
    /// the run mode's strictest seccomp filter (no capability granted) on every thread when the argument is
    /// <c>filter</c>. Arguments: filter|none, cycles.
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
        List<double> creates = [], disposes = [];
        for (var i = 0; i < cycles; i++)
        {
            var clock = Stopwatch.StartNew();
            var interpreter = await runtime.CreateInterpreterAsync();
            creates.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await interpreter.DisposeAsync();
            disposes.Add(clock.Elapsed.TotalMilliseconds);
        }
        var syscall = SyscallNanoseconds();
        ChildModes.Report(new { filtered, creates, disposes, syscall, status = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Seccomp:", StringComparison.Ordinal)) });
    }

    private static double OpenClose(string file, int iterations)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var fd = Open(file, 0);
            if (fd < 0)
                throw new IOException($"open({file}) failed: {Marshal.GetLastSystemError()}");
            Close(fd);
        }
        return clock.Elapsed.TotalNanoseconds / iterations;
    }

    // Median of 7 rounds of a million getppid(): a syscall that does nearly nothing, so the filter's share shows.
    private static double SyscallNanoseconds()
    {
        var rounds = new List<double>();
        for (var round = 0; round < 7; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 1_000_000; i++)
                GetParentProcessId();
            rounds.Add(clock.Elapsed.TotalNanoseconds / 1_000_000);
        }
        return Stats.Median(rounds);
    }
}
