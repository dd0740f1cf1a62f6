using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// CPython crashers reachable from pure Python that no in-process policy contains (docs/reliability.md, "Known CPython
/// crashers"). Each runs the real host with a neighbour and expects both to survive: skipped until process isolation
/// (issue 15) makes that true. Run one by hand to see today's outcome (exit 134, "Stack overflow.").
/// </summary>
public sealed class KnownCrasherTests : IDisposable
{
    private const string Isolation = "contained only by process isolation (#15): C iterators call the next one's __next__ without a depth check, "
        + "so a chain of a million exhausts the interpreter thread's C stack — a segfault in python3 -I, 'Stack overflow.' (exit 134) in the host";

    private readonly PluginFolders _folders = new();

    [Theory(Skip = Isolation)]
    [InlineData("map(abs, x)")]
    [InlineData("filter(None, x)")]
    [InlineData("zip(x)")]
    [InlineData("itertools.chain(x)")]
    public async Task AMillionNestedCIteratorsLeaveTheHostRunning(string wrap)
    {
        var crasher = _folders.Plugin("crasher", PluginFolders.Manifest("crasher"));
        File.WriteAllText(Path.Combine(crasher, "main.py"),
            $"import itertools\ndef setup(ctx):\n    x = iter([1])\n    for _ in range(1_000_000):\n        x = {wrap}\n    next(x)\n");
        var neighbour = _folders.Plugin("neighbour", PluginFolders.Manifest("neighbour"));
        File.WriteAllText(Path.Combine(neighbour, "main.py"), "def setup(ctx):\n    print('neighbour up')\n");

        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}", "--PluginHost:Restart:MaxRestarts=0"]);
        await host.WaitForOutputAsync("stays Failed", TimeSpan.FromMinutes(1));
        host.Terminate();

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("neighbour up", host.Output);
    }

    public void Dispose() => _folders.Dispose();
}
