using System.Text.Json;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// <c>pluginhost check</c> of a plugin in process isolation imports it as its worker would — in the (confined) check
/// process's main interpreter, where single-phase-init modules load — through the real program, one process each.
/// </summary>
public sealed class CheckAsWorkerTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private string Plugin(string name, string isolation, string main)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name, extra: $$""" "isolation": "{{isolation}}", "capabilities": ["native-code"] """));
        File.WriteAllText(Path.Combine(folder, "main.py"), main);
        return folder;
    }

    private static async Task<(int ExitCode, JsonElement Report)> CheckJson(params string[] args)
    {
        var (exitCode, output) = await HostProcess.RunAsync(["check", .. args, "--json"]);
        Assert.True(exitCode is 0 or 1, $"exit {exitCode}\n{output}");
        return (exitCode, JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.Clone());
    }

    private static JsonElement Module(JsonElement report, string name) =>
        report.GetProperty("modules").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    [Fact]
    public async Task APluginInProcessIsolationIsImportedAsItsWorkerWouldAndPasses()
    {
        var folder = Plugin("legacy", "process", "import _testsinglephase\nassert _testsinglephase.sum(2, 3) == 5\n");

        var (exitCode, report) = await CheckJson(folder);

        Assert.True(exitCode == 0, report.ToString());
        Assert.Equal("process", report.GetProperty("isolation").GetString());
        Assert.True(report.GetProperty("compatible").GetBoolean());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("importError").ValueKind);
        Assert.Equal("ok", Module(report, "_testsinglephase").GetProperty("status").GetString());
        // The same kernel sandbox as any check: the worker-style import ran confined.
        Assert.True(report.GetProperty("sandbox").GetProperty("confined").GetBoolean(), report.ToString());
    }

    [Fact]
    public async Task TheSamePluginInASubinterpreterFailsAndTheOverrideToProcessPasses()
    {
        var folder = Plugin("legacy", "auto", "import _testsinglephase\n");

        var (subCode, sub) = await CheckJson(folder);
        var (text, textOutput) = await HostProcess.RunAsync(["check", folder]);
        var (processCode, process) = await CheckJson(folder, "--PluginHost:Plugins:legacy:Isolation=process");

        Assert.Equal(1, subCode);
        Assert.Equal("subinterpreter", sub.GetProperty("isolation").GetString());
        Assert.Equal("incompatible", Module(sub, "_testsinglephase").GetProperty("status").GetString());
        Assert.Equal(1, text);
        Assert.Contains("check it there with --PluginHost:Plugins:legacy:Isolation=process", textOutput);
        Assert.True(processCode == 0, process.ToString());
        Assert.Equal("process", process.GetProperty("isolation").GetString());
    }

    [Fact]
    public async Task APluginInProcessIsolationWhoseImportFailsFailsTheCheckSayingWhere()
    {
        var folder = Plugin("broken", "process", "raise ValueError('no config')\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder]);

        Assert.Equal(1, exitCode);
        Assert.Contains("result: cannot run in its worker process (isolation: process): importing it failed", output);
        Assert.Contains("ValueError: no config", output);
    }

    [Fact]
    public async Task AnUnknownIsolationIsAnErrorNamingTheKey()
    {
        var folder = Plugin("odd", "process", "pass\n");

        var (exitCode, output) = await HostProcess.RunAsync(["check", folder, "--PluginHost:Plugins:odd:Isolation=thread"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("isolation \"thread\" is none of subinterpreter, process, auto (PluginHost:Plugins:odd:Isolation)", output);
    }
}
