using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Deployment;

/// <summary>
/// docs/deployment.md followed as written: the published folder, run through its native launcher from another working
/// directory that holds the plugins, with the bundled samples (one of them in a worker process, one with a .NET part).
/// </summary>
[Collection(PublishedHostCollection.Name)]
[Trait("Category", "Deployment")]
public sealed class PublishTests(PublishedHost published)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private static readonly string[] Samples = ["folder-watch", "sales-ledger", "sales-report", "text-tools", "word-digest"];

    [Fact]
    public void ThePublishedFolderHoldsEverythingTheHostNeeds()
    {
        var launcher = new FileInfo(published.Launcher);
        Assert.True(launcher.Exists, "no native launcher pluginhost in " + published.Folder);
        Assert.True(launcher.UnixFileMode.HasFlag(UnixFileMode.UserExecute), "pluginhost is not executable");
        // The SDK assembly is what plugins' .NET parts and `pluginhost new --dotnet` reference; bootstrap.py, the
        // pluginhost.pyi stubs and the manifest schema are embedded in pluginhost.dll, so no loose Python file is needed.
        foreach (var file in new[] { "pluginhost.dll", "pluginhost.runtimeconfig.json", "pluginhost.deps.json", "PluginHost.Interpreter.dll", "PluginHost.Sdk.dll", "appsettings.json" })
            Assert.True(File.Exists(Path.Combine(published.Folder, file)), $"{file} is missing from the published folder");
        Assert.Empty(Directory.EnumerateFiles(published.Folder, "*.py", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ListValidateAndCheckWorkFromThePublishedFolder()
    {
        var site = published.NewSite();

        var (listExit, list) = await RunAsync(site, "list");
        Assert.True(listExit == 0, list);
        foreach (var sample in Samples)
            Assert.Matches(new Regex($@"^{Regex.Escape(sample)} +1\.0\.0 +1 +ready +{Regex.Escape(Path.Combine(site, "plugins", sample))}", RegexOptions.Multiline), list);

        var (validateExit, validate) = await RunAsync(site, "validate", "plugins/text-tools");
        Assert.True(validateExit == 0, validate);
        Assert.Contains("ok: text-tools 1.0.0", validate);

        var (checkExit, check) = await RunAsync(site, "check", "plugins/sales-report");
        Assert.True(checkExit == 0, check);
        Assert.Contains("result: can run in an isolated subinterpreter", check);

        // A new version that is broken is caught before the switch: exit 1 with the reason.
        var broken = Directory.CreateDirectory(Path.Combine(site, "next", "sales-report")).FullName;
        File.WriteAllText(Path.Combine(broken, "plugin.json"), """{ "name": "sales-report", "version": "1.1.0", "entry": "report" }""");
        File.WriteAllText(Path.Combine(broken, "report.py"), "def on_message(message):\n    return (\n");
        var (brokenExit, brokenOutput) = await RunAsync(site, "validate", "next/sales-report");
        Assert.True(brokenExit == 1, brokenOutput);
        Assert.Contains("invalid: " + broken, brokenOutput);
        Assert.Contains("report.py", brokenOutput);
    }

    [Fact]
    public async Task ConfigurationBesideTheBinaryIsReadAndLaterSourcesWin()
    {
        var site = published.NewSite();
        // Read: appsettings.Staging.json beside the binary (disables two samples), a symlink to the site's own file as
        // docs/deployment.md suggests. Overridden: folder-watch by an environment variable, sales-report's variable by
        // the command line. Ignored: appsettings.json in the working directory (it would disable sales-ledger).
        var siteSettings = Path.Combine(site, "appsettings.Staging.json");
        File.WriteAllText(siteSettings,
            """{ "PluginHost": { "Plugins": { "text-tools": { "Enabled": false }, "folder-watch": { "Enabled": false } } } }""");
        File.CreateSymbolicLink(Path.Combine(published.Folder, "appsettings.Staging.json"), siteSettings);
        File.WriteAllText(Path.Combine(site, "appsettings.json"), """{ "PluginHost": { "Plugins": { "sales-ledger": { "Enabled": false } } } }""");
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Staging",
                ["PLUGINHOST_PluginHost__Plugins__folder-watch__Enabled"] = "true",
                ["PLUGINHOST_PluginHost__Plugins__sales-report__Enabled"] = "false",
            };
            var (exit, list) = await RunAsync(site, environment, "list", "--PluginHost:Plugins:sales-report:Enabled=true");

            Assert.True(exit == 0, list);
            Assert.Matches(new Regex("^text-tools +1\\.0\\.0 +1 +disabled", RegexOptions.Multiline), list);
            foreach (var ready in new[] { "folder-watch", "sales-ledger", "sales-report" })
                Assert.Matches(new Regex($"^{ready} +1\\.0\\.0 +1 +ready", RegexOptions.Multiline), list);
        }
        finally
        {
            File.Delete(Path.Combine(published.Folder, "appsettings.Staging.json"));
        }
    }

    [Fact]
    public async Task RunsTheSamplePluginsFromAnotherDirectoryAndStopsCleanlyOnSigterm()
    {
        var site = published.NewSite();
        using var host = HostProcess.StartProgram(published.Launcher, [], site);

        await host.WaitForOutputAsync("5 of 5 plugin instances running", Patience);
        var output = await host.StopAsync();

        Assert.Contains($"Configuration read from: {Path.Combine(published.Folder, "appsettings.json")}", output);
        Assert.Contains($"Content root path: {site}", output);
        foreach (var sample in Samples)
            Assert.Contains($"Starting plugin {sample} 1.0.0 instance 0 from {Path.Combine(site, "plugins", sample)}", output);
        // sales-ledger's worker process is the published launcher too: it answered and ended when told.
        Assert.Matches(new Regex(@"Worker process \d+ \(plugin:sales-ledger/0\) exited with code 0"), output);
        Assert.Contains("Stopped 5 plugin instance(s)", output);
        Assert.Contains(": 0 failed, 0 interpreter(s) they could not end (left running), 0 not stopped by the deadline", output);
    }

    private Task<(int ExitCode, string Output)> RunAsync(string site, params string[] args) => RunAsync(site, null, args);

    private async Task<(int ExitCode, string Output)> RunAsync(string site, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = HostProcess.StartProgram(published.Launcher, args, site, environment);
        var exit = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (exit, process.Output);
    }
}
