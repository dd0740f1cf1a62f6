using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// CPython crashers reachable from pure Python that no in-process policy contains (docs/reliability.md, "Known CPython
/// crashers"): C iterators call the next one's <c>__next__</c> without a depth check, so a chain of a million exhausts
/// the interpreter thread's C stack — a segfault in python3 -I, "Stack overflow." (exit 134) for the whole host when
/// it runs in a subinterpreter. In process isolation only the plugin's worker dies: each runs the real host with a
/// neighbour and expects the host, the neighbour and a clean stop to survive.
/// </summary>
public sealed class KnownCrasherTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    [Theory]
    [InlineData("map(abs, x)")]
    [InlineData("filter(None, x)")]
    [InlineData("zip(x)")]
    [InlineData("itertools.chain(x)")]
    public async Task AMillionNestedCIteratorsInAWorkerLeaveTheHostRunning(string wrap)
    {
        var crasher = _folders.Plugin("crasher", PluginFolders.Manifest("crasher", extra: """ "isolation": "process" """));
        File.WriteAllText(Path.Combine(crasher, "main.py"),
            $"import itertools\ndef setup(ctx):\n    x = iter([1])\n    for _ in range(1_000_000):\n        x = {wrap}\n    next(x)\n");
        var neighbour = _folders.Plugin("neighbour", PluginFolders.Manifest("neighbour"));
        File.WriteAllText(Path.Combine(neighbour, "main.py"), "def setup(ctx):\n    print('neighbour up')\n");

        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Restart:MaxRestarts=0"]);
        await host.WaitForOutputAsync("stays Failed", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("neighbour up", TimeSpan.FromMinutes(1));   // started after the crasher failed
        host.Terminate();

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        // The worker died of it (the runtime's stack overflow abort, or the segfault itself), not the host.
        Assert.Matches(@"Worker process \d+ \(plugin:crasher/0\) exited with code (134|139)", host.Output);
    }

    public void Dispose() => _folders.Dispose();
}
