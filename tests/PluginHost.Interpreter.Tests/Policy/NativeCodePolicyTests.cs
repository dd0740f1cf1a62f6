using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>Native code loaded at run time, the network, and extension modules that cannot run isolated.</summary>
[Collection(PythonCollection.Name)]
public sealed class NativeCodePolicyTests(PythonRuntimeFixture fixture)
{
    [Theory]
    [InlineData("import ctypes", "import _ctypes")]
    [InlineData("import ctypes.util", "import _ctypes")]
    [InlineData("import _testcapi", "import _testcapi")]
    public async Task NativeCodeAtRunTimeNeedsNativeCode(string code, string denial)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync(code);

        Assert.StartsWith($"ImportError: {denial} denied", error);
        Assert.Contains("needs the capability 'native-code'", error);
    }

    [Fact]
    public async Task TheNativeCodeCapabilityAllowsCtypes()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.NativeCode);

        var result = await governed.TryAsync("import ctypes, os; assert ctypes.CDLL(None).getpid() == os.getpid()");

        if (fixture.Runtime.Version.StartsWith("3.12.", StringComparison.Ordinal))
            Assert.StartsWith("ImportError: module _ctypes does not support loading in subinterpreters", result);   // single-phase in 3.12
        else
            Assert.Equal("ok", result);
    }

    [Fact]
    public async Task StandardLibraryExtensionModulesNeedNoGrant()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal("ok", await governed.TryAsync("import _json, math, array, select, unicodedata, _socket, zlib, _sqlite3, termios, fcntl, mmap, _posixshmem"));
    }

    [Fact]
    public async Task MultiprocessingsSemaphoresNeedProcessSpawn()
    {
        await using var denied = await Governed.StartAsync(fixture.Runtime);
        await using var granted = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);

        var error = await denied.TryAsync("import _multiprocessing");

        Assert.StartsWith("ImportError: import _multiprocessing denied: multiprocessing's native part creates named semaphores in /dev/shm", error);
        Assert.Contains("needs the capability 'process.spawn'", error);
        Assert.Equal("ok", await denied.TryAsync("import multiprocessing, concurrent.futures"));
        Assert.Equal("ok", await granted.TryAsync("import _multiprocessing"));
    }

    [Fact]
    public async Task AnExtensionModuleFromThePluginsFolderNeedsNativeCode()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        var copy = await Processes.CopySinglePhaseModuleAsync(fixture.Runtime, Path.Combine(governed.Home, "lib"));

        var error = await governed.TryAsync($"import sys; sys.path.insert(0, {Py(Path.GetDirectoryName(copy)!)}); import _testsinglephase");

        Assert.StartsWith($"ImportError: import _testsinglephase from '{copy}' denied: extension modules from outside the standard library are native code", error);
    }

    [Fact]
    public async Task ASinglePhaseModuleIsRefusedWithTheReasonAndTheFix()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.NativeCode);

        var error = await governed.TryAsync("import _testsinglephase");

        Assert.StartsWith("ImportError: module _testsinglephase does not support loading in subinterpreters — plugin 'test' runs in an isolated subinterpreter with its own GIL", error);
        Assert.Contains("single-phase initialisation: its types and state are C statics that every interpreter in the process would share", error);
        Assert.Contains("multi-phase initialisation (PEP 489", error);
        Assert.Contains("PyType_FromModuleAndSpec", error);
        Assert.Contains("Py_mod_multiple_interpreters = Py_MOD_PER_INTERPRETER_GIL_SUPPORTED", error);
    }

    [Fact]
    public async Task ASinglePhaseModuleInThePluginsLibFolderIsRefusedTheSameWay()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.NativeCode);
        var copy = await Processes.CopySinglePhaseModuleAsync(fixture.Runtime, Path.Combine(governed.Home, "lib"));

        var error = await governed.TryAsync($"import sys; sys.path.insert(0, {Py(Path.GetDirectoryName(copy)!)}); import _testsinglephase");
        var attributes = await governed.TryAsync($"import sys\ntry:\n    import _testsinglephase\nexcept ImportError as e:\n    assert (e.name, e.path) == ('_testsinglephase', {Py(copy)}), (e.name, e.path)");

        Assert.StartsWith("ImportError: module _testsinglephase does not support loading in subinterpreters — plugin 'test'", error);
        Assert.Contains($"({copy})", error);
        Assert.Equal("ok", attributes);
        Assert.Equal(2L, await governed.Interpreter.EvaluateAsync("1 + 1"));
    }

    [Theory]
    [InlineData("import socket; socket.getaddrinfo('localhost', 80)", "socket.getaddrinfo('localhost')")]
    [InlineData("import socket; socket.gethostbyname('localhost')", "socket.gethostbyname('localhost')")]
    [InlineData("import socket; s = socket.socket(); s.bind(('127.0.0.1', 0))", "socket(AF_INET, SOCK_STREAM)")]
    [InlineData("import socket; socket.socket(socket.AF_INET6).listen()", "socket(AF_INET6, SOCK_STREAM)")]
    [InlineData("import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))", "socket(AF_INET, SOCK_DGRAM)")]
    [InlineData("import socket; socket.socket(socket.AF_UNIX).connect('/run/pluginhost-none.sock')", "socket.connect('/run/pluginhost-none.sock')")]
    [InlineData("import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'x', '/dev/log')", "socket.sendto('/dev/log')")]
    public async Task TheNetworkNeedsNetwork(string code, string denial)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync(code);

        Assert.StartsWith($"PermissionError: {denial} denied: network access needs a grant.", error);
        Assert.Contains("needs the capability 'network'", error);
    }

    [Fact]
    public async Task TheNetworkCapabilityAllowsIt()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.Network);

        Assert.Equal("ok", await governed.TryAsync("import socket; socket.getaddrinfo('localhost', 80); s = socket.socket(); s.bind(('127.0.0.1', 0)); s.close()"));
    }

    [Fact]
    public async Task AsyncioStillRunsWithoutTheNetwork()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        // The event loop's self-pipe is a socket pair: local, not the network.
        Assert.Equal("ok", await governed.TryAsync("import asyncio\nasync def main():\n    await asyncio.sleep(0)\n    return 5\nassert asyncio.run(main()) == 5"));
    }

    private static string Py(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
