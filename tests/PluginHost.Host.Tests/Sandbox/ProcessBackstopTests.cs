using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary>
/// The run mode's seccomp filter, through the real program in a fresh process: a plugin granted <c>native-code</c>
/// makes raw syscalls (no audit event) while a pair of neighbours exchange messages.
/// </summary>
public sealed class ProcessBackstopTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public ProcessBackstopTests()
    {
        var native = _folders.Plugin("native", PluginFolders.Manifest("native", extra: """ "capabilities": ["native-code"] """));
        NativeCallsPlugin.AddTo(native);
        File.WriteAllText(Path.Combine(native, "main.py"), """
            import json, os, pluginhost, probe
            here = os.path.dirname(os.path.abspath(__file__))

            @pluginhost.on("native.go")
            def go(message):
                print("NATIVE " + json.dumps(probe.run(os.path.join(here, "main.py"), os.path.join(here, "main.py"), here)))
            """);
        // pair-b starts last (it depends on the others) and serves the first ball; it asks native to act at the 100th exchange.
        Plugin("pair-a", """
            import pluginhost

            @pluginhost.on("pair.a")
            def bounce(message):
                pluginhost.publish("pair.b", b"")
            """);
        Plugin("pair-b", """
            import pluginhost
            count = 0

            def setup(ctx):
                pluginhost.publish("pair.a", b"")

            @pluginhost.on("pair.b")
            def returned(message):
                global count
                count += 1
                if count == 100:
                    pluginhost.publish("native.go", b"")
                if count % 1000 == 0:
                    print(f"exchanged {count}")
                pluginhost.publish("pair.a", b"")
            """, extra: """ "dependsOn": ["pair-a", "native"] """);
    }

    public void Dispose() => _folders.Dispose();

    private void Plugin(string name, string source, string? extra = null)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name, extra: extra));
        File.WriteAllText(Path.Combine(folder, "main.py"), source);
    }

    /// <summary>
    /// Runs the host until the native plugin reported, the pair exchanged 3000 messages (after it) and
    /// <paramref name="until"/> holds for the output; stops it with SIGTERM.
    /// </summary>
    private async Task<(Dictionary<string, string> Results, string Output)> Run(string[]? args = null, string[]? launcher = null, Func<string, bool>? until = null)
    {
        using var host = HostProcess.Start([$"--PluginHost:PluginDirectories:0={_folders.Root}", .. args ?? []], launcher: launcher);
        await host.WaitForOutputAsync("NATIVE {", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("exchanged 3000", TimeSpan.FromMinutes(1));
        if (until is not null)
            await Until(() => until(host.Output), 60);
        var output = await host.StopAsync();
        Assert.True(output.IndexOf("exchanged 3000", StringComparison.Ordinal) > output.IndexOf("NATIVE {", StringComparison.Ordinal), output);
        return (NativeCallsPlugin.Results(output), output);
    }

    [Fact]
    public async Task WhatNoPluginHoldsIsDeniedByTheKernelWhileNeighboursKeepExchanging()
    {
        // A neighbour that fails and restarts in a fresh interpreter: its new thread is created under the filter.
        Plugin("crasher", """
            import sys, pluginhost
            def setup(ctx):
                print("crasher setup")
            @pluginhost.on("native.go")
            def fail(message):
                sys.exit(3)
            """);

        var (results, output) = await Run(["--PluginHost:Restart:InitialDelay=00:00:00.100"],
            until: text => text.Split("crasher setup").Length > 2);

        Assert.Contains($"[{LogEvents.BackstopInstalled}]", output);
        Assert.Contains("process creation (no plugin holds process.spawn)", output);
        NativeCallsPlugin.AssertDeniedByTheFilter(results);
    }

    [Fact]
    public async Task AGroupIsAllowedForEveryoneOnceOnePluginHoldsItsCapability()
    {
        Plugin("mover", "def setup(ctx):\n    pass\n", extra: """ "capabilities": ["cwd"] """);

        var (results, output) = await Run();

        Assert.Contains("working directory (cwd: mover)", output);
        Assert.Equal("ok", results["chdir"]);
        Assert.Equal("EPERM", results["setsid"]);
        Assert.Equal("EPERM", results["execve"]);
    }

    [Fact]
    public async Task AHostWithoutCapSysAdminSetsNoNewPrivsFirstAndIsFilteredTheSame()
    {
        // setpriv (util-linux) starts the host with CAP_SYS_ADMIN out of its bounding set, so even root lacks it.
        var (results, output) = await Run(launcher: ["setpriv", "--bounding-set", "-sys_admin"]);

        Assert.Contains("no_new_privs set: the host lacks CAP_SYS_ADMIN", output);
        Assert.Equal("EPERM", results["execve"]);
        Assert.Equal("EPERM", results["setsid"]);
    }

    [Fact]
    public async Task ConfigurationCanTurnTheBackstopOff()
    {
        var (results, output) = await Run(["--PluginHost:Sandbox:Enabled=false"]);

        Assert.Contains($"[{LogEvents.BackstopDisabled}]", output);
        Assert.DoesNotContain($"[{LogEvents.BackstopInstalled}]", output);
        Assert.Equal("ENOENT", results["execve"]);
        Assert.Equal("ok", results["prlimit64 set"]);
    }
}
