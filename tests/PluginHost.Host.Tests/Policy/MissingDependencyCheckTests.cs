using PluginHost.Host.Cli;
using PluginHost.Host.Policy;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Policy;

/// <summary><c>pluginhost check</c> names a module found nowhere as a missing dependency, with the fix.</summary>
[Collection(PythonCollection.Name)]
public sealed class MissingDependencyCheckTests(PythonRuntimeFixture fixture) : IDisposable
{
    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task AModuleFoundNowhereIsAMissingDependencyToVendorIntoLib()
    {
        var folder = _folders.Plugin("needy", PluginFolders.Manifest("needy"));
        File.WriteAllText(Path.Combine(folder, "main.py"), "import json\nimport requests_not_vendored\n");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);
        var text = new StringWriter();
        CheckCommand.Write(report, text, json: false);

        Assert.Equal(1, CheckCommand.ExitCode(report));
        var module = Assert.Single(report.Modules, m => m.Name == "requests_not_vendored");
        Assert.Equal(("missing", "nowhere"), (module.Status, module.Location));
        Assert.Contains($"result: cannot start: missing dependency requests_not_vendored; vendor it (pure Python) into {Path.Combine(folder, "lib")}/", text.ToString());
        Assert.Empty(report.Denied);
    }

    [Fact]
    public async Task AModuleMissingFromAPackageThePluginShipsIsAnErrorNotAMissingDependency()
    {
        var folder = _folders.Plugin("partial", PluginFolders.Manifest("partial"), "lib/vendored/__init__.py");
        File.WriteAllText(Path.Combine(folder, "main.py"), "import vendored.not_there\n");

        var report = await IsolationCheck.RunAsync(fixture.Runtime, folder);

        Assert.Equal("error", Assert.Single(report.Modules, m => m.Name == "vendored.not_there").Status);
    }
}
