using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>Facilities of the whole process: denied by default with the stated message, allowed by their capability, the host unaffected.</summary>
[Collection(PythonCollection.Name)]
public sealed class ProcessPolicyTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ChangingTheWorkingDirectoryIsDeniedAndTheHostStaysPut()
    {
        var before = Environment.CurrentDirectory;
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var chdir = await governed.TryAsync("import os; os.chdir('/')");
        var fchdir = await governed.TryAsync($"import os; os.fchdir(os.open({Py(governed.Home)}, os.O_RDONLY))");

        Assert.StartsWith("PermissionError: os.chdir('/') denied", chdir);
        Assert.Contains("needs the capability 'cwd'", chdir);
        Assert.StartsWith("PermissionError: os.chdir(", fchdir);
        Assert.Equal(before, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task TheCwdCapabilityAllowsChangingIt()
    {
        var before = Environment.CurrentDirectory;
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.Cwd);

        // There and straight back in one call: the working directory is the whole test process's.
        var result = await governed.TryAsync($"import os; here = os.getcwd(); os.chdir({Py(governed.Home)}); moved = os.getcwd(); os.chdir(here); assert moved == {Py(governed.Home)}, moved");

        Assert.Equal("ok", result);
        Assert.Equal(before, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task EnvironmentChangesStayInThePluginsOwnCopy()
    {
        var name = "PLUGINHOST_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var write = await governed.TryAsync($"import os; os.environ['{name}'] = 'plugin'; assert os.getenv('{name}') == 'plugin'; assert os.environb[b'{name}'] == b'plugin'");
        var delete = await governed.TryAsync($"import os; del os.environ['{name}']; assert '{name}' not in os.environ");
        var reads = await governed.TryAsync("import os; assert os.environ['PATH'] and 'PATH' in os.environ.copy()");

        Assert.Equal(("ok", "ok", "ok"), (write, delete, reads));
        Assert.Null(await Processes.NativeVariableAsync(fixture.Runtime, name));
    }

    [Fact]
    public async Task PutenvAndUnsetenvAreDeniedWithoutTheEnvironmentCapability()
    {
        var name = "PLUGINHOST_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var putenv = await governed.TryAsync($"import os; os.putenv('{name}', '1')");
        var unsetenv = await governed.TryAsync("import os; os.unsetenv('PATH')");

        Assert.StartsWith($"PermissionError: os.putenv('{name}') denied: the environment belongs to the whole host process; this plugin's os.environ is its own copy, change that instead.", putenv);
        Assert.Contains("needs the capability 'environment'", putenv);
        Assert.StartsWith("PermissionError: os.unsetenv('PATH') denied", unsetenv);
        Assert.Null(await Processes.NativeVariableAsync(fixture.Runtime, name));
        Assert.NotNull(await Processes.NativeVariableAsync(fixture.Runtime, "PATH"));
    }

    [Fact]
    public async Task TheEnvironmentCapabilityReachesTheProcessEnvironment()
    {
        var name = "PLUGINHOST_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.Environment);

        Assert.Equal("ok", await governed.TryAsync($"import os; os.environ['{name}'] = 'shared'"));
        Assert.Equal("shared", await Processes.NativeVariableAsync(fixture.Runtime, name));
        Assert.Equal("ok", await governed.TryAsync($"import os; del os.environ['{name}']"));
        Assert.Null(await Processes.NativeVariableAsync(fixture.Runtime, name));
    }

    [Theory]
    [InlineData("import os; os._exit(3)", "os._exit(3)")]
    [InlineData("import os; os.abort()", "os.abort")]
    [InlineData("import os; os.kill(os.getpid(), 9)", "os.kill(")]
    [InlineData("import os; os.killpg(os.getpgrp(), 9)", "os.killpg(")]
    [InlineData("import os; os.kill(0, 15)", "os.kill(0, 15)")]
    [InlineData("import signal, threading; signal.pthread_kill(threading.get_ident(), 9)", "signal.pthread_kill(")]
    [InlineData("import signal; signal.raise_signal(signal.SIGTERM)", "signal.raise_signal(")]
    [InlineData("import signal; signal.alarm(1)", "signal.alarm(1)")]
    [InlineData("import signal; signal.setitimer(signal.ITIMER_REAL, 1)", "signal.setitimer(")]
    public async Task EndingOrSignallingTheHostProcessIsDenied(string code, string facility)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync(code);

        Assert.StartsWith($"PermissionError: {facility}", error);
        Assert.Contains("needs the capability 'process.exit'", error);
        Assert.Equal(2L, await governed.Interpreter.EvaluateAsync("1 + 1"));
    }

    [Fact]
    public async Task TheProcessExitCapabilityLeavesTheRealFunctions()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessExit);

        // Not called, obviously: the originals are in place, and a harmless signal 0 to the host goes through.
        Assert.Equal("ok", await governed.TryAsync("import os, posix, signal; assert type(os._exit).__name__ == 'builtin_function_or_method' and os.abort is posix.abort; os.kill(os.getpid(), 0)"));
    }

    [Fact]
    public async Task SignalsToOtherProcessesNeedProcessSignal()
    {
        await using var spawnOnly = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);
        await using var signals = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn | Capability.ProcessSignal);
        await spawnOnly.Interpreter.RunAsync("import subprocess; child = subprocess.Popen(['/bin/sleep', '30'])");

        var denied = await spawnOnly.TryAsync("import __main__; __main__.child.kill()");
        var allowed = await signals.TryAsync("import subprocess; p = subprocess.Popen(['/bin/sleep', '30']); p.kill(); assert p.wait() == -9");

        System.Diagnostics.Process.GetProcessById((int)(long)(await spawnOnly.Interpreter.EvaluateAsync("child.pid"))!).Kill();
        await spawnOnly.Interpreter.RunAsync("child.wait()");
        Assert.StartsWith("PermissionError: os.kill(", denied);
        Assert.Contains("needs the capability 'process.signal'", denied);
        Assert.Equal("ok", allowed);
    }

    [Theory]
    [InlineData("import subprocess; subprocess.run(['/bin/true'], check=True)", "subprocess.Popen('/bin/true')")]
    [InlineData("import os; os.system('/bin/true')", "os.system('/bin/true')")]
    [InlineData("import os; os.waitpid(os.posix_spawn('/bin/true', ['true'], {}), 0)", "os.posix_spawn('/bin/true')")]
    public async Task SpawningProcessesNeedsProcessSpawn(string code, string denial)
    {
        await using var denied = await Governed.StartAsync(fixture.Runtime);
        await using var granted = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);

        var error = await denied.TryAsync(code);

        Assert.Equal($"PermissionError: {denial} denied: starting other programs needs a grant. Plugin 'test' needs the capability 'process.spawn' (add \"process.spawn\" to capabilities).", error);
        Assert.Equal("ok", await granted.TryAsync(code));
    }

    [Fact]
    public async Task TheSpawnCapabilityCoversEveryWaySubprocessStartsAProgram()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);

        // posix_spawn (absolute path), and the fork_exec path (a bare name, cwd=) that CPython allows here too.
        Assert.Equal("ok", await governed.TryAsync("import subprocess; assert subprocess.run(['/bin/echo', 'x'], capture_output=True).stdout == b'x\\n'"));
        Assert.Equal("ok", await governed.TryAsync("import subprocess; subprocess.run(['true'], check=True, cwd='/')"));
        Assert.StartsWith("RuntimeError", await governed.TryAsync("import subprocess; subprocess.run(['/bin/true'], preexec_fn=lambda: None)"));
    }

    [Fact]
    public async Task ForkAndExecAreRefusedByCPythonWhateverIsGranted()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);

        Assert.StartsWith("RuntimeError: fork not supported", await governed.TryAsync("import os; os.fork()"));
        Assert.StartsWith("RuntimeError: exec not supported", await governed.TryAsync("import os; os.execv('/bin/true', ['true'])"));
    }

    [Fact]
    public async Task SignalHandlersAreRefusedByCPythonItselfAsInAnyOtherSubinterpreter()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, (Capability)~0);

        var handler = await governed.TryAsync("import signal; signal.signal(signal.SIGUSR1, signal.SIG_IGN)");
        var wakeup = await governed.TryAsync("import signal; signal.set_wakeup_fd(-1)");
        var interrupt = await governed.TryAsync("import signal; signal.siginterrupt(signal.SIGUSR1, True)");

        Assert.Equal("ValueError: signal only works in main thread of the main interpreter", handler);
        Assert.StartsWith("ValueError: set_wakeup_fd only works in main thread of the main interpreter", wakeup);
        Assert.StartsWith("PermissionError: signal.siginterrupt(<Signals.SIGUSR1: 10>, True) denied: signal handlers belong to the host process", interrupt);
    }

    [Theory]
    [InlineData("import os; os.dup2(os.open('/dev/null', os.O_WRONLY), 1)", "os.dup2(")]
    [InlineData("import os; os.close(2)", "os.close(2)")]
    [InlineData("import os; os.closerange(0, 3)", "os.closerange(0, 3)")]
    [InlineData("open(1, 'w')", "open(1)")]
    public async Task TheStandardStreamsDescriptorsAreTheHosts(string code, string facility)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync(code);

        Assert.StartsWith($"PermissionError: {facility}", error);
        Assert.Contains("needs the capability 'process.stdio'", error);
        Assert.Equal("ok", await governed.TryAsync("import os; r, w = os.pipe(); r2, w2 = os.pipe(); os.dup2(r, w2); [os.close(x) for x in (r, w, r2, w2)]"));
    }

    [Fact]
    public async Task TheProcessStdioCapabilityAllowsRedirectingAStream()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessStdio);

        Assert.Equal("ok", await governed.TryAsync("import os; saved = os.dup(1); null = os.open('/dev/null', os.O_WRONLY); os.dup2(null, 1); os.dup2(saved, 1); os.close(saved); os.close(null)"));
    }

    [Theory]
    [InlineData("import resource; resource.setrlimit(resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE))", "resource.setrlimit(")]
    [InlineData("import resource; resource.prlimit(0, resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE))", "resource.prlimit(")]
    [InlineData("import os; os.umask(0o022)", "os.umask(18)")]
    [InlineData("import os; os.setpgid(0, 0)", "os.setpgid(")]
    [InlineData("import os; os.nice(0)", "os.nice(0)")]
    [InlineData("import locale; locale.setlocale(locale.LC_ALL, 'C')", "locale.setlocale(")]
    public async Task ProcessWideSettingsNeedProcessControl(string code, string facility)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync(code);

        Assert.StartsWith($"PermissionError: {facility}", error);
        Assert.Contains("needs the capability 'process.control'", error);
    }

    [Fact]
    public async Task ReadingProcessWideSettingsIsAllowed()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal("ok", await governed.TryAsync("import resource, locale; resource.getrlimit(resource.RLIMIT_CORE); resource.prlimit(0, resource.RLIMIT_CORE); locale.setlocale(locale.LC_ALL)"));
    }

    [Fact]
    public async Task TheProcessControlCapabilityAllowsThem()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessControl);

        Assert.Equal("ok", await governed.TryAsync("import os, resource; os.umask(os.umask(0o022)); resource.setrlimit(resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE))"));
    }

    [Fact]
    public async Task PerInterpreterSettingsAreLeftToThePlugin()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        await using var other = await fixture.Runtime.CreateInterpreterAsync();
        var before = await other.EvaluateAsync("__import__('sys').getswitchinterval()");

        // Each own-GIL interpreter has its own switch interval, recursion limit, trace and profile functions, and GC.
        Assert.Equal("ok", await governed.TryAsync("import sys, gc, threading; sys.setswitchinterval(0.0001); sys.setrecursionlimit(5000); sys.settrace(None); sys.setprofile(None); threading.settrace_all_threads(None); gc.disable(); gc.enable(); sys.stdout = sys.stdout"));
        Assert.Equal(before, await other.EvaluateAsync("__import__('sys').getswitchinterval()"));
        Assert.Equal(0.0001, (double)(await governed.Interpreter.EvaluateAsync("__import__('sys').getswitchinterval()"))!, 6);
    }

    [Fact]
    public async Task FaulthandlerCannotBeLoadedInAnIsolatedInterpreter()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.StartsWith("ImportError: module faulthandler does not support loading in subinterpreters", await governed.TryAsync("import faulthandler"));
    }

    private static string Py(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
