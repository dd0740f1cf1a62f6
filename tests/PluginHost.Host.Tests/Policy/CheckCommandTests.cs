using System.Text.Json;
using PluginHost.Host.Cli;
using PluginHost.Host.Policy;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Policy;

/// <summary><c>pluginhost check</c>: a plugin imported in an isolated interpreter under its policy, without a host.</summary>
[Collection(PythonCollection.Name)]
public sealed class CheckCommandTests(PythonRuntimeFixture fixture) : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private string Plugin(string name, string source, string? extra = null)
    {
        var folder = _folders.Plugin(name, PluginFolders.Manifest(name, extra: extra));
        File.WriteAllText(Path.Combine(folder, "main.py"), source);
        return folder;
    }

    [Fact]
    public async Task APluginThatCallsItsOwnAndGrantedHostFunctionsAtImportIsChecked()
    {
        var folder = Plugin("greeter", """
            import pluginhost
            GREETING = pluginhost.call("greet", "Ida")["text"]
            HOST = pluginhost.call("host.info")["plugin"]
            """, extra: """ "capabilities": ["host:host.info"] """);
        var fixtures = HostFunctions.DotNetPluginTests.FixturePlugin("greeter-v1");
        Directory.CreateDirectory(Path.Combine(folder, "dotnet"));
        foreach (var file in Directory.GetFiles(Path.Combine(fixtures, "dotnet")))
            File.Copy(file, Path.Combine(folder, "dotnet", Path.GetFileName(file)));
        var functions = new PluginHost.Host.HostFunctions.HostFunctionRegistry(
            [new PluginHost.Host.HostFunctions.HostInfoFunctions()], Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder, functions: functions);

        Assert.Null(report.ImportError);
        Assert.True(report.Compatible);
        Assert.Contains("host:host.info", report.Granted);
    }

    [Fact]
    public async Task APluginThatImportsCleanlyCanRunIsolated()
    {
        var folder = Plugin("clean", "import json, pluginhost\n@pluginhost.on('x')\ndef handle(message):\n    pass\n");
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        File.WriteAllText(Path.Combine(folder, "lib", "helper.py"), "VALUE = 1\n");
        File.AppendAllText(Path.Combine(folder, "main.py"), "import helper\n");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.True(report.Compatible);
        Assert.Null(report.ImportError);
        Assert.Equal(0, CheckCommand.ExitCode(report));
        Assert.Contains(report.Modules, m => m is { Name: "main", Kind: "python", Location: "plugin", Status: "ok" });
        Assert.Contains(report.Modules, m => m is { Name: "helper", Location: "plugin", Status: "ok" });
        Assert.Contains(report.Modules, m => m is { Name: "_json", Kind: "extension", Location: "stdlib", Status: "ok" });
        Assert.True(report.StandardLibraryModules > 0);
    }

    [Fact]
    public async Task ASinglePhaseModuleInLibMakesThePluginIncompatibleAndSaysWhy()
    {
        var folder = Plugin("legacy", "import json\n", "\"capabilities\": [\"native-code\"]");
        var copy = await CopySinglePhaseAsync(Path.Combine(folder, "lib"));

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);
        var text = new StringWriter();
        CheckCommand.Write(report, text, json: false);

        Assert.False(report.Compatible);
        Assert.Equal(1, CheckCommand.ExitCode(report));
        var module = Assert.Single(report.Modules, m => m.Status != "ok");
        Assert.Equal(("_testsinglephase", "extension", "plugin", copy, "incompatible"), (module.Name, module.Kind, module.Location, module.Origin, module.Status));
        Assert.Contains("single-phase initialisation", module.Reason);
        Assert.Contains("PyType_FromModuleAndSpec", module.Reason);
        Assert.Contains("result: cannot run in an isolated subinterpreter: _testsinglephase cannot be loaded there; \"isolation\": \"process\" or \"auto\" in plugin.json runs it in a worker process", text.ToString());
        Assert.Contains("native-code: import ×1", text.ToString());
    }

    [Fact]
    public async Task AnEntryModuleThatNeedsAnIncompatibleModuleFailsTheCheck()
    {
        var folder = Plugin("needs-it", "import _testsinglephase\n", "\"capabilities\": [\"native-code\"]");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.False(report.Compatible);
        Assert.StartsWith("ImportError: module _testsinglephase does not support loading in subinterpreters — plugin 'needs-it'", report.ImportError);
        Assert.Contains(report.Modules, m => m is { Name: "_testsinglephase", Location: "stdlib", Status: "incompatible" });
    }

    [Fact]
    public async Task UsedAndDeniedCapabilitiesAreReported()
    {
        var folder = Plugin("curious", """
            import os, socket
            socket.getaddrinfo("localhost", 80)
            try:
                os.chdir("/")
            except PermissionError:
                pass
            """, "\"capabilities\": [\"network\"]");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.True(report.Compatible);
        Assert.Equal(["network"], report.Granted);
        Assert.Contains(report.Used, u => u is { Capability: "network", Facility: "socket.getaddrinfo", Count: 1, Example: "'localhost'" });
        var denied = Assert.Single(report.Denied);
        Assert.Equal(new CapabilityUse("cwd", "os.chdir", 1, "'/'"), denied);
    }

    [Fact]
    public async Task ADeniedImportThatStopsTheImportIsReportedAsDenied()
    {
        var folder = Plugin("native", "import ctypes\n");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.False(report.Compatible);
        Assert.StartsWith("ImportDenied: import _ctypes denied", report.ImportError);
        Assert.Contains(report.Modules, m => m.Name == "_ctypes" && m.Status == "denied");
        Assert.Contains(report.Denied, d => d.Capability == "native-code");
    }

    [Fact]
    public async Task ADenialThatStopsTheImportFailsTheCheck()
    {
        var folder = Plugin("spawner", "import subprocess\nsubprocess.run(['/bin/true'])\n");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.False(report.Compatible);
        Assert.StartsWith("PermissionError: subprocess.Popen('/bin/true') denied", report.ImportError);
        Assert.Contains(report.Denied, d => d.Capability == "process.spawn");
    }

    [Fact]
    public async Task JsonOutputCarriesTheWholeReport()
    {
        var folder = Plugin("jsonish", "import json\n");
        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);
        var output = new StringWriter();

        CheckCommand.Write(report, output, json: true);

        using var json = JsonDocument.Parse(output.ToString());
        Assert.True(json.RootElement.GetProperty("compatible").GetBoolean());
        Assert.Equal("jsonish", json.RootElement.GetProperty("name").GetString());
        Assert.Contains(json.RootElement.GetProperty("modules").EnumerateArray(), m => m.GetProperty("name").GetString() == "main");
    }

    [Fact]
    public async Task AnInvalidFolderIsReportedWithoutImportingAnything()
    {
        var report = await IsolationCheck.RunAsync(fixture.Runtime, Path.Combine(_folders.Root, "missing"));
        var output = new StringWriter();

        CheckCommand.Write(report, output, json: false);

        Assert.Equal(1, CheckCommand.ExitCode(report));
        Assert.Contains("does not exist", output.ToString());
    }

    [Fact]
    public void CheckIsAVerbWithAFolderAndJson()
    {
        var parsed = CommandLine.Parse(["check", "plugins/echo", "--json", "--PluginHost:Plugins:echo:Capabilities:0=network"]);

        Assert.Equal(CommandVerb.Check, parsed.Verb);
        Assert.Equal("plugins/echo", parsed.Folder);
        Assert.True(parsed.Json);
        Assert.Equal(["--PluginHost:Plugins:echo:Capabilities:0=network"], parsed.ConfigurationArgs);
        Assert.Equal("check needs a plugin folder: pluginhost check <folder>", CommandLine.Parse(["check"]).Error);
    }

    [Fact]
    public async Task TheProgramChecksAPluginAndExitsOneWhenItCannotRunIsolated()
    {
        var good = Plugin("good", "import json\n");
        var bad = Plugin("bad", "import json\n", "\"capabilities\": [\"native-code\"]");
        await CopySinglePhaseAsync(Path.Combine(bad, "lib"));

        var (goodCode, goodOutput) = await HostProcess.RunAsync(["check", good]);
        var (badCode, badOutput) = await HostProcess.RunAsync(["check", bad, "--json"]);

        Assert.True(goodCode == 0, goodOutput);
        Assert.Contains("result: can run in an isolated subinterpreter", goodOutput);
        Assert.Equal(1, badCode);
        Assert.Contains("\"status\": \"incompatible\"", badOutput);
    }

    private async Task<string> CopySinglePhaseAsync(string folder)
    {
        await using var fresh = await fixture.Runtime.CreateInterpreterAsync();
        var source = (string)(await fresh.EvaluateAsync(
            "__import__('glob').glob(__import__('os').path.join([p for p in __import__('sys').path if p.endswith('lib-dynload')][0], '_testsinglephase.*.so'))[0]"))!;
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, Path.GetFileName(source));
        File.Copy(source, copy);
        return copy;
    }
}
