using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using PluginHost.Host.Sandbox.Bpf;
using PluginHost.Host.Sandbox.Landlock;
using PluginHost.Host.Sandbox.Native;

namespace PluginHost.Benchmarks.Benchmarks.Sandbox;

/// <summary>
/// Why an interpreter's own thread is not confined (docs/kernel-backstop.md): the .NET runtime starts its lazily
/// created threads — thread-pool workers, the timer thread, its signal handler — from whichever thread first needs
/// them, and a thread inherits the Landlock domain and seccomp filter of the thread that creates it. Each mode
/// confines one managed thread the way an interpreter's thread would be confined, has it do what an interpreter
/// thread does, and reports what became of the rest of the process.
/// </summary>
public static class ThreadConfinementProbe
{
    private const string Outside = "/etc/passwd";   // readable by the process, outside the domain

    /// <summary>
    /// A thread under Landlock (the runtime's and the system's directories readable, nothing else) completes tasks
    /// with asynchronous continuations, starts a timer and allocates; then the host reads a file on the thread pool.
    /// </summary>
    public static void LandlockThread()
    {
        var done = new ManualResetEventSlim();
        string? ownRead = null;
        var interpreter = new Thread(() =>
        {
            Confine(RuntimeDirectories());
            ownRead = TryRead(Outside);
            InterpreterWork();
            done.Set();
            Thread.Sleep(1000);   // stays alive while the main thread looks at the others
        }) { Name = "interpreter" };
        interpreter.Start();
        done.Wait();
        var inheriting = ConfinedThreads().Where(name => name != "interpreter").ToList();
        var failed = 0;
        var reads = Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            if (TryRead(Outside) is not null)
                Interlocked.Increment(ref failed);
            Thread.Sleep(50);
        })).ToArray();
        Task.WaitAll(reads);
        ChildModes.Report(new { confinedThreadRead = ownRead, inheritingThreads = inheriting, poolReads = reads.Length, poolReadsFailed = failed });
    }

    /// <summary>
    /// The same thread, but with only the app's folder readable (as a plugin's grants would be, without the runtime's
    /// directories): the first use of a framework assembly not loaded yet loads it on that thread.
    /// </summary>
    public static void LandlockLazyLoad()
    {
        string? outcome = null;
        var interpreter = new Thread(() =>
        {
            Confine([AppContext.BaseDirectory, "/sys"]);
            try
            {
                outcome = $"loaded: {UseSystemXmlLinq()}";
            }
            catch (Exception e)
            {
                outcome = $"{e.GetType().Name}: {e.Message}";
            }
        }) { Name = "interpreter" };
        interpreter.Start();
        interpreter.Join();
        ChildModes.Report(new { lazyLoad = outcome });
    }

    /// <summary>
    /// A thread under a seccomp filter that makes thread creation fail (clone3 → ENOSYS, clone with CLONE_THREAD →
    /// EAGAIN), so that nothing can inherit its filter; then it does what an interpreter thread does. The JSON line
    /// is printed before the part that takes the process down, so the parent sees how far it got.
    /// </summary>
    public static void SeccompThread()
    {
        // The console initialises itself on first use, and that would fail on the filtered thread: do it here.
        Console.Out.WriteLine();
        var interpreter = new Thread(() =>
        {
            Kernel.SetNoNewPrivileges();
            Kernel.SeccompInstallOnCallingThread(NoThreadsFilter());
            string threadStart;
            try
            {
                new Thread(() => { }).Start();
                threadStart = "started";
            }
            catch (Exception e)
            {
                threadStart = $"{e.GetType().Name}: {e.Message}";
            }
            ChildModes.Report(new { threadStart, poolRequest = "pending" });
            InterpreterWork();
            ChildModes.Report(new { threadStart, poolRequest = "survived" });
        }) { Name = "interpreter" };
        interpreter.Start();
        interpreter.Join();
    }

    // What an interpreter's thread does for the host: complete a reply or inbox task whose continuation runs
    // asynchronously (on the pool), arm a timer (watchdogs, deadlines), allocate.
    private static void InterpreterWork()
    {
        var continuations = new List<Task>();
        for (var i = 0; i < 50; i++)
        {
            var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            continuations.Add(reply.Task.ContinueWith(_ => Thread.Sleep(200), TaskScheduler.Default));
            reply.SetResult();
        }
        using var timer = new Timer(_ => { }, null, 10, 10);
        var kept = new List<byte[]>();
        for (var i = 0; i < 200_000; i++)
        {
            kept.Add(new byte[1000]);
            if (kept.Count > 1000)
                kept.Clear();
        }
        Task.WaitAll([.. continuations]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string UseSystemXmlLinq() => XDocument.Parse("<probe/>").Root!.Name.LocalName;

    private static void Confine(IEnumerable<string> readable)
    {
        Kernel.SetNoNewPrivileges();
        using var ruleset = LandlockRuleset.Create(Kernel.LandlockAbi(), restrictTcp: false);
        foreach (var path in readable)
            ruleset.Allow(path, PathAccess.ReadExecute);
        // Threads name themselves through /proc/self/task/<tid>/comm: writable here, so the report can say which they are.
        ruleset.Allow("/proc", PathAccess.Full);
        ruleset.RestrictCallingThread();
    }

    private static string[] RuntimeDirectories()
    {
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        return ["/usr", "/lib", "/lib64", "/etc/ld.so.cache", Path.GetFullPath(Path.Combine(runtime, "../../..")), AppContext.BaseDirectory, "/sys"];
    }

    private static string? TryRead(string path)
    {
        try
        {
            File.ReadAllBytes(path);
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return e.GetType().Name;
        }
    }

    /// <summary>Names of the threads with no_new_privs, which the confined thread set and every thread it started inherited.</summary>
    private static IEnumerable<string> ConfinedThreads() =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => File.ReadAllLines(Path.Combine(task, "status")))
            .Where(status => status.Any(l => l.StartsWith("NoNewPrivs:", StringComparison.Ordinal) && l.EndsWith('1')))
            .Select(status => status[0]["Name:".Length..].Trim());

    private static BpfInstruction[] NoThreadsFilter()
    {
        const uint CloneThread = 0x00010000;
        var code = new BpfAssembler();
        code.LoadWord(0);   // the syscall number
        code.JumpIfEqual(435, null, "clone");   // clone3
        code.Return(Kernel.SECCOMP_RET_ERRNO | Kernel.ENOSYS);
        code.Bind("clone");
        code.JumpIfEqual(56, null, "allow");
        code.LoadWord(16);  // args[0], low word: the flags
        code.JumpIfAnySet(CloneThread, null, "allow");
        code.Return(Kernel.SECCOMP_RET_ERRNO | Kernel.EAGAIN);
        code.Bind("allow");
        code.Return(Kernel.SECCOMP_RET_ALLOW);
        return code.Assemble();
    }
}
