using System.Text.Json;
using PluginHost.Host.Tests.HostFunctions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Sandbox;
using PluginHost.Host.Sandbox.Native;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary>
/// <c>pluginhost check</c> imports a possibly hostile plugin in its own process, confined by the kernel (Landlock, no
/// capabilities, no_new_privs, seccomp): run through the real program, each in a fresh process.
/// </summary>
public sealed class CheckConfinementTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    /// <summary>A file outside every plugin folder, readable by anyone (umask 022): only Landlock keeps a plugin from it.</summary>
    private string Secret()
    {
        var secret = Path.Combine(_folders.Root, "secret.txt");
        File.WriteAllText(secret, "not for plugins");
        return secret;
    }

    private string NativePlugin()
    {
        var folder = _folders.Plugin("native", PluginFolders.Manifest("native", extra: """ "capabilities": ["native-code"] """));
        NativeCallsPlugin.AddTo(folder);
        File.WriteAllText(Path.Combine(folder, "main.py"), $$"""
            import json, os, probe
            here = os.path.dirname(os.path.abspath(__file__))
            raise RuntimeError("NATIVE " + json.dumps(probe.run({{JsonSerializer.Serialize(Secret())}}, os.path.join(here, "plugin.json"), here)))
            """);
        return folder;
    }

    private static async Task<JsonElement> Check(params string[] args)
    {
        var (exitCode, output) = await HostProcess.RunAsync(["check", .. args, "--json"]);
        Assert.True(exitCode is 0 or 1, $"exit {exitCode}\n{output}");
        return JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.Clone();
    }

    [Fact]
    public async Task NativeCallsOfAPluginGrantedNativeCodeAreStoppedByTheKernel()
    {
        var folder = NativePlugin();

        var report = await Check(folder);

        var sandbox = report.GetProperty("sandbox");
        Assert.True(sandbox.GetProperty("confined").GetBoolean(), sandbox.ToString());
        var results = NativeCallsPlugin.Results(report.GetProperty("importError").GetString()!);
        // Landlock: nothing outside the runtime's files and the plugin's folder.
        Assert.Equal("EACCES", results["open /etc/shadow"]);
        Assert.Equal("EACCES", results["open secret"]);
        Assert.Equal("ok", results["open own file"]);
        // seccomp, for a plugin granted neither process.spawn, cwd, process.control nor process.signal.
        NativeCallsPlugin.AssertDeniedByTheFilter(results);
        // No capability is left to fall back on (CAP_DAC_OVERRIDE, CAP_NET_RAW, CAP_SYS_ADMIN, ...): none effective,
        // permitted, inheritable or ambient, and — where the checking process could drop them (CAP_SETPCAP, as root) —
        // none in the bounding set either, so nothing comes back at an execve.
        Assert.True(sandbox.GetProperty("noCapabilities").GetBoolean());
        Assert.True(sandbox.GetProperty("noNewPrivileges").GetBoolean());
        if ((ProcessStatus.Read().Effective & (1UL << Kernel.CAP_SETPCAP)) != 0)
            Assert.True(sandbox.GetProperty("emptyBoundingSet").GetBoolean());
    }

    [Fact]
    public async Task WithoutConfinementTheSameCallsGoThrough()
    {
        var folder = NativePlugin();

        var report = await Check(folder, "--no-confine");

        Assert.Equal("--no-confine", report.GetProperty("sandbox").GetProperty("reason").GetString());
        var results = NativeCallsPlugin.Results(report.GetProperty("importError").GetString()!);
        // What the confined check denied is the kernel's doing: here the same calls succeed, or fail for their own reasons.
        Assert.Equal("ok", results["open secret"]);
        Assert.Equal("ENOENT", results["execve"]);
        Assert.Equal("ok", results["chdir"]);
        Assert.Equal("ok", results["prlimit64 set"]);
        Assert.NotEqual("ENOSYS", results["clone3"]);
        Assert.Equal("ok", results["i386 getpid"]);
    }

    [Theory]
    [InlineData("sales-report")]
    [InlineData("text-tools")]
    public async Task AnOrdinaryPluginChecksExactlyAsItDoesUnconfined(string sample)
    {
        var folder = Path.GetFullPath(Path.Combine(DotNetPluginTests.FixturePlugin(".."), "..", "plugins", sample));   // the repository's samples

        var confined = await Check(folder);
        var unconfined = await Check(folder, "--no-confine");

        Assert.True(confined.GetProperty("sandbox").GetProperty("confined").GetBoolean());
        Assert.Equal(Without(unconfined, "sandbox"), Without(confined, "sandbox"));
        Assert.True(confined.GetProperty("compatible").GetBoolean());
    }

    [Fact]
    public async Task ConfigurationCanTurnConfinementOff()
    {
        var report = await Check(NativePlugin(), "--PluginHost:Sandbox:Enabled=false");

        Assert.Contains("PluginHost:Sandbox:Enabled", report.GetProperty("sandbox").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task TheTextReportSaysThatAWorkerProcessGetsThisSandboxToo()
    {
        var folder = _folders.Plugin("plain", PluginFolders.Manifest("plain"));
        File.WriteAllText(Path.Combine(folder, "main.py"), "pass\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("sandbox: confined by the kernel", output);
        Assert.Contains("a worker process (\"isolation\": \"process\") confines itself the same way", output);
    }

    private static string Without(JsonElement report, string property) =>
        JsonSerializer.Serialize(report.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
