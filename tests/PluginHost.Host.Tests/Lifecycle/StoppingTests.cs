using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// Stopping in every phase, and interpreters that cannot be ended (stuck in C, threads that will not stop), through
/// the real `pluginhost` program in a child process: each must exit 0 with its counts logged, never abort.
/// </summary>
public sealed partial class StoppingTests : IDisposable
{
    private const string Neighbour = """
        def setup(ctx):
            print("setup neighbour")
        def teardown():
            print("teardown neighbour")
        """;

    // A loop in C: no bytecode boundary, so neither an interrupt nor SystemExit ever lands, and the GIL is never released.
    private const string CLoop = "collections.deque(itertools.count(), maxlen=0)";

    // Its handler loops in C for ever, on the first of the messages its setup publishes to itself (one; append more).
    private const string HandlerLoopingInC = $$"""
        import collections, itertools, pluginhost
        @pluginhost.on("t.x")
        def handle(message):
            print("handler begins")
            {{CLoop}}
        def setup(ctx):
            pluginhost.publish("t.x", {"n": 1})

        """;

    private const string TeardownCatchingEveryInterrupt = """
        def setup(ctx):
            pass
        def teardown():
            print("teardown begins")
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        """;

    // A pure-Python loop for threads started with _thread (not threading): SystemExit reaches it.
    private const string LoopThreads = """
        import _thread
        def loop():
            while True:
                pass

        """;

    private readonly PluginFolders _folders = new();

    public StoppingTests() => Plugin("zz-neighbour", Neighbour);

    public void Dispose() => _folders.Dispose();

    [Theory]
    [InlineData("while True:\n        pass", false)]   // Python: interrupted, and the interpreter ends
    [InlineData(CLoop, true)]                            // C: never interrupted, so abandoned after StopTimeout
    public async Task SigtermWhileAPluginIsInSetupExitsZeroAndStartsNoMore(string loop, bool abandoned)
    {
        Plugin("a-slow", $"import collections, itertools\ndef setup(ctx):\n    print('setup begins')\n    {loop}\n");
        // One start at a time, so that the neighbour is still waiting for its turn when the stop comes.
        using var host = Start("--PluginHost:MaxParallelStarts=1");
        await host.WaitForOutputAsync("setup begins", TimeSpan.FromMinutes(1));

        var output = await StopAsync(host);

        Assert.Contains("1 plugin instance(s) not started", output);
        Assert.DoesNotContain("setup neighbour", output);
        Assert.Contains("Message totals at stop", output);
        Assert.Equal(abandoned, output.Contains("Plugin a-slow instance 0: interpreter 1 is abandoned"));
        Assert.Equal(abandoned, output.Contains("1 interpreter(s) left running at shutdown"));
    }

    [Fact]
    public async Task SigtermDuringTheRestartBackoffExitsZero()
    {
        Plugin("a-failing", "def setup(ctx):\n    raise RuntimeError('no start')\n");
        using var host = Start("--PluginHost:Restart:InitialDelay=00:10:00", "--PluginHost:Restart:MaxDelay=00:10:00");
        await host.WaitForOutputAsync("Application started", TimeSpan.FromMinutes(1));
        Assert.Contains("restarts in a fresh interpreter in 00:10:00", host.Output);

        var output = await StopAsync(host);

        Assert.Contains("teardown neighbour", output);
        Assert.Equal(1, Regex.Count(output, "Starting plugin a-failing"));
    }

    [Fact]
    public async Task SigtermWhileAHandlerLoopsInCAndATeardownCatchesEveryInterruptExitsZeroWithTheCountsLogged()
    {
        Plugin("a-handler", HandlerLoopingInC + "    pluginhost.publish(\"t.x\", {\"n\": 2})\n");
        Plugin("b-teardown", TeardownCatchingEveryInterrupt);
        using var host = Start();
        await host.WaitForOutputAsync("handler begins", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("Application started", TimeSpan.FromMinutes(1));

        var output = await StopAsync(host);

        Assert.Contains("teardown begins", output);
        Assert.Contains("teardown neighbour", output);
        Assert.Matches(@"Plugin b-teardown instance 0: interpreter \d+ is abandoned.*1 abandoned by this instance so far", output);
        Assert.Matches(@"Plugin a-handler instance 0: interpreter \d+ is abandoned.*1 abandoned by this instance so far.*the message its handler was running is counted as dropped", output);
        // Every message has its outcome: the one whose handler never returned and the one still queued are dropped.
        Assert.Contains("Message totals for a-handler: received 2, handled 0, failed 0, retried 0, dead-lettered 0, dropped 2, waiting 0", output);
        Assert.Contains("2 interpreter(s) left running at shutdown; exiting without finalising CPython", output);
        Assert.Contains($"PythonRuntime[{PluginHost.Interpreter.LogEvents.InterpretersLeftAtShutdown}]", output);
        Assert.Contains($"PythonRuntime[{PluginHost.Interpreter.LogEvents.InterpreterNotEnded}]", output);
    }

    [Fact]
    public async Task TheWholeStopHasOneDeadlineAndStuckInstancesDoNotHoldUpTheTeardownOfOneStoppedAfterThem()
    {
        // Stopped in reverse start order: the stuck ones first, the benign a-first last (zz-neighbour before them all).
        // One start at a time: with parallel starts, which of two waiting instances takes a freed slot first is a race.
        Plugin("a-first", "def setup(ctx):\n    pass\ndef teardown():\n    print('teardown a-first')\n");
        Plugin("b-teardown", TeardownCatchingEveryInterrupt);
        Plugin("c-handler", HandlerLoopingInC);
        using var host = Start("--PluginHost:MaxParallelStarts=1");
        await host.WaitForOutputAsync("handler begins", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("Application started", TimeSpan.FromMinutes(1));

        var output = await StopAsync(host);

        var stopping = Regex.Matches(output, @"Stopping plugin (\S+) instance").Select(m => m.Groups[1].Value);
        Assert.Equal(["zz-neighbour", "c-handler", "b-teardown", "a-first"], stopping);
        // a-first's teardown ran while the two stuck instances still had time left: before either was given up on
        // (one after the other, each waiting StopTimeout twice, a-first's stop began only after both were abandoned).
        var teardown = output.IndexOf("teardown a-first", StringComparison.Ordinal);
        Assert.True(teardown > 0, output);
        Assert.True(teardown < output.IndexOf("is abandoned", StringComparison.Ordinal), output);
        Assert.Matches(@"Plugin b-teardown instance 0: stop hook failed: did not finish within half of StopTimeout", output);
        Assert.Matches(@"Plugin c-handler instance 0: interpreter \d+ is abandoned.*did not end within StopTimeout \(00:00:01 from the start of the stop\)", output);
        Assert.Matches(@"Stopped 4 plugin instance\(s\) in \d+ ms: 0 failed, 2 interpreter\(s\) they could not end \(left running\), 0 not stopped by the deadline", output);
        Assert.Contains("2 interpreter(s) left running at shutdown; exiting without finalising CPython", output);
    }

    [Fact]
    public async Task ThreadsFromStartNewThreadAreStoppedAtEveryRestartAndStopAndTheNeighboursTeardownRuns()
    {
        Plugin("a-threads", LoopThreads + """
            def setup(ctx):
                _thread.start_new_thread(loop, ())
                _thread.start_new_thread(loop, ())
                print("threads started")
            def teardown():
                print("teardown a-threads")
            """);
        Plugin("b-threads-failing", LoopThreads + """
            def setup(ctx):
                _thread.start_new_thread(loop, ())
                raise RuntimeError("setup fails after starting a thread")
            """);
        using var host = Start("--PluginHost:Restart:InitialDelay=00:00:00.1", "--PluginHost:Restart:MaxRestarts=2");
        await host.WaitForOutputAsync("Plugin b-threads-failing instance 0 stays Failed", TimeSpan.FromMinutes(1));

        var output = await StopAsync(host);

        Assert.Contains("threads started", output);
        Assert.Contains("teardown a-threads", output);
        Assert.Contains("teardown neighbour", output);
        Assert.DoesNotContain("abandoned", output);   // pure-Python loops: SystemExit stops them, every interpreter ends
    }

    [Fact]
    public async Task ThreadsThatWillNotStopLeaveTheirInterpreterAbandonedAndTheHostExitsZero()
    {
        Plugin("a-stubborn", """
            import _thread, threading, time
            def sleeper():
                time.sleep(3600)
            def stubborn():
                while True:
                    try:
                        while True:
                            pass
                    except BaseException:
                        pass
            def setup(ctx):
                _thread.start_new_thread(sleeper, ())
                threading.Thread(target=stubborn).start()
                print("threads started")
            def teardown():
                print("teardown a-stubborn")
            """);
        using var host = Start();
        await host.WaitForOutputAsync("Application started", TimeSpan.FromMinutes(1));

        var output = await StopAsync(host);

        Assert.Contains("teardown a-stubborn", output);
        Assert.Matches(@"Plugin a-stubborn instance 0: interpreter \d+ is abandoned.*: 2 thread\(s\) it started were still running", output);
        Assert.Contains("1 interpreter(s) left running at shutdown", output);
    }

    [Fact]
    public async Task AStartStuckInCHoldsUpNeitherTheOtherPluginsNorTheStop()
    {
        Plugin("a-stuck", $"import collections, itertools\ndef setup(ctx):\n    print('setup begins')\n    {CLoop}\n");
        using var host = Start("--PluginHost:StartTimeout=00:00:01", "--PluginHost:Restart:Enabled=false");
        await host.WaitForOutputAsync("Application started", TimeSpan.FromMinutes(1));
        Assert.Contains("setup neighbour", host.Output);
        Assert.Contains("1 of 2 plugin instances running", host.Output);

        var output = await StopAsync(host);

        Assert.Matches(@"Plugin a-stuck instance 0: interpreter \d+ is abandoned.*it was still starting|did not finish within", output);
        Assert.Contains("teardown neighbour", output);
        Assert.Contains("interpreter(s) left running at shutdown", output);
    }

    [Fact]
    public async Task AnInstanceThatKeepsLeavingInterpretersBehindIsNoLongerRestartedAndListShowsTheCount()
    {
        Plugin("a-stuck", $"import collections, itertools\ndef setup(ctx):\n    {CLoop}\n");
        var status = Path.Combine(_folders.Root, "run", "status.json");
        string[] settings = ["--PluginHost:StartTimeout=00:00:00.5", "--PluginHost:StopTimeout=00:00:00.5", "--PluginHost:Restart:InitialDelay=00:00:00.1",
            "--PluginHost:Restart:MaxAbandoned=2", $"--PluginHost:StatusFile={status}"];
        using var host = Start(settings);
        await host.WaitForOutputAsync("Plugin a-stuck instance 0 stays Failed", TimeSpan.FromMinutes(1));
        await Until(() => File.Exists(status) && File.ReadAllText(status).Contains("\"abandoned\": 2"), 30);

        var (listExit, list) = await HostProcess.RunAsync(["list", PluginDirectoryArg, .. settings]);
        var output = await StopAsync(host);

        Assert.Equal(0, listExit);
        Assert.Matches(@"^a-stuck\s+1\.0\.0\s+1\s+failed\s+0:failed\s+\d+\s+\S+( MiB)?\s+2\b", list.Split('\n').Single(l => l.StartsWith("a-stuck")));
        Assert.Contains("it left 2 interpreter(s) running that could not be ended (PluginHost:Restart:MaxAbandoned 2)", output);
        Assert.Equal(2, Regex.Count(output, "Starting plugin a-stuck"));
        Assert.Contains("2 interpreter(s) left running at shutdown", output);
    }

    private string PluginDirectoryArg => $"--PluginHost:PluginDirectories:0={_folders.Root}";

    private void Plugin(string name, string main) =>
        File.WriteAllText(Path.Combine(_folders.Plugin(name, PluginFolders.Manifest(name)), "main.py"), main);

    private HostProcess Start(params string[] settings) =>
        HostProcess.Start([PluginDirectoryArg, "--PluginHost:StopTimeout=00:00:01", .. settings]);

    /// <summary>SIGTERM; the host must exit 0 without a Python or .NET abort, well within the test's patience.</summary>
    private static async Task<string> StopAsync(HostProcess host)
    {
        var output = await host.StopAsync();
        Assert.DoesNotContain("Fatal Python error", output);
        Assert.DoesNotContain("Unhandled exception", output);
        return output;
    }
}
