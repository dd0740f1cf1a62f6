using System.Text.RegularExpressions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Configuration;

/// <summary>
/// The real host in a child process given bad configuration: one line naming the source, the key and the expected
/// form, exit 1, no stack trace (docs/configuration.md, "Strict configuration").
/// </summary>
public sealed class StrictConfigurationTests : IDisposable
{
    private readonly PluginFolders _folders = new();
    private readonly string _directory;

    public StrictConfigurationTests()
    {
        _folders.Plugin("plugins/greeter", """
            { "name": "greeter", "version": "1.0.0", "entry": "main",
              "settings": { "greeting": "Hello", "names": ["Ann"], "db": { "host": "localhost", "port": 5432 } } }
            """, "main.py");
        _directory = Path.Combine(_folders.Root, "plugins");
    }

    public void Dispose() => _folders.Dispose();

    private Task<(int ExitCode, string Output)> List(params string[] args) =>
        HostProcess.RunAsync(["list", $"--PluginHost:PluginDirectories:0={_directory}", .. args]);

    private static string OneLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line:\n{output}");
        Assert.DoesNotContain("Unhandled", output);
        return lines[0];
    }

    [Theory]
    [InlineData("--PluginHost:StopTimeout=soon", "PluginHost:StopTimeout: 'soon' is not a time span")]
    [InlineData("--PluginHost:Broker:FullInboxMode=Drop", "PluginHost:Broker:FullInboxMode: 'Drop' is not one of Wait, Fail")]
    [InlineData("--PluginHost:Restart:MaxRestarts=many", "PluginHost:Restart:MaxRestarts: 'many' is not a whole number")]
    [InlineData("--PluginHost:Plugins:greeter:Enabled=nope", "PluginHost:Plugins:greeter:Enabled: 'nope' is not true or false")]
    [InlineData("--PluginHost:Plugins:greeter:Instances=two", "PluginHost:Plugins:greeter:Instances: 'two' is not a whole number")]
    [InlineData("--PluginHost:Plugins:greeter:MemoryLimitMiB=lots", "PluginHost:Plugins:greeter:MemoryLimitMiB: 'lots' is not a whole number")]
    [InlineData("--PluginHost:Plugins:greeter:MaxConcurrency=1.5", "PluginHost:Plugins:greeter:MaxConcurrency: '1.5' is not a whole number")]
    [InlineData("--PluginHost:Plugins:greeter:Restart:Window=often", "PluginHost:Plugins:greeter:Restart:Window: 'often' is not a time span")]
    [InlineData("--PluginHost:Plugins:greeter:Settings:names=Bob", "PluginHost:Plugins:greeter:Settings:names: 'Bob' is not an array in JSON")]
    [InlineData("--PluginHost:Plugins:greeter:Settings:db:port=high", "PluginHost:Plugins:greeter:Settings:db:port: 'high' is not a number")]
    [InlineData("--Python:Utf8Mode=maybe", "Python:Utf8Mode: 'maybe' is not true or false")]
    [InlineData("--PluginHost:Plugins:greeter:Capabilities=network", "PluginHost:Plugins:greeter:Capabilities: 'network' is one value, but this is a list")]
    [InlineData("--PluginHost:Restart=off", "PluginHost:Restart: 'off' is one value, but this is a section")]
    public async Task ValueThatDoesNotParseIsOneLineNamingCommandLineKeyAndForm(string argument, string expected)
    {
        var (exitCode, output) = await List(argument);

        Assert.Equal(1, exitCode);
        Assert.Equal($"pluginhost: command line: {expected}", OneLine(output)[..$"pluginhost: command line: {expected}".Length]);
    }

    [Theory]
    [InlineData("--PluginHost:StopTimout=00:00:05", "PluginHost:StopTimout: unknown key; did you mean PluginHost:StopTimeout?")]
    [InlineData("--PluginHost:Plugins:greeter:Instanses=2", "PluginHost:Plugins:greeter:Instanses: unknown key; did you mean PluginHost:Plugins:greeter:Instances?")]
    [InlineData("--PluginHost:Pluginz:greeter:Instances=2", "PluginHost:Pluginz: unknown key; did you mean PluginHost:Plugins?")]
    [InlineData("--PluginHost:Broker:InboxCapacty=10", "PluginHost:Broker:InboxCapacty: unknown key; did you mean PluginHost:Broker:InboxCapacity?")]
    [InlineData("--PluginHost:Plugins:greeter:Restart:MaxRestart=3", "PluginHost:Plugins:greeter:Restart:MaxRestart: unknown key; did you mean PluginHost:Plugins:greeter:Restart:MaxRestarts?")]
    public async Task MisspeltKeyIsAnErrorWithASuggestion(string argument, string expected)
    {
        var (exitCode, output) = await List(argument);

        Assert.Equal(1, exitCode);
        Assert.Equal($"pluginhost: command line: {expected}", OneLine(output));
    }

    [Fact]
    public async Task UnknownKeyFarFromAnyListsTheKnownOnes()
    {
        var (exitCode, output) = await List("--PluginHost:Plugins:greeter:Colour=blue");

        Assert.Equal(1, exitCode);
        Assert.Contains("PluginHost:Plugins:greeter:Colour: unknown key; PluginHost:Plugins:greeter has: Capabilities, Enabled, Instances,", OneLine(output));
    }

    [Fact]
    public async Task EnvironmentVariableIsNamedAsSpelt()
    {
        var (exitCode, output) = await HostProcess.RunAsync(
            ["list", $"--PluginHost:PluginDirectories:0={_directory}"],
            new Dictionary<string, string> { ["PLUGINHOST_PluginHost__Restart__MaxRestarts"] = "many" });

        Assert.Equal(1, exitCode);
        Assert.Equal(
            "pluginhost: environment variable PLUGINHOST_PluginHost__Restart__MaxRestarts: PluginHost:Restart:MaxRestarts: 'many' is not a whole number",
            OneLine(output));
    }

    [Fact]
    public async Task MalformedJsonFileIsOneLineWithItsPathAndPlace()
    {
        using var settings = new EnvironmentSettingsFile("""
            { "PluginHost": { "StopTimeout": "00:00:05" }
              "Python": { } }
            """);

        var (exitCode, output) = await HostProcess.RunAsync(["list"], settings.Environment);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"pluginhost: {settings.Path}: not valid JSON at line 2, byte 3: ", OneLine(output));
    }

    [Fact]
    public async Task MalformedAppSettingsInTheWorkingDirectoryIsNotReadSoNotAnError()
    {
        File.WriteAllText(Path.Combine(_folders.Root, "appsettings.json"), "{ not json");
        using var host = HostProcess.Start(["list", $"--PluginHost:PluginDirectories:0={_directory}"], workingDirectory: _folders.Root);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, host.Output);
        Assert.Matches(@"(?m)^greeter\s+1\.0\.0\s+1\s+ready\s", host.Output);
    }

    [Fact]
    public async Task BadValueInJsonFileNamesTheFile()
    {
        using var settings = new EnvironmentSettingsFile("""{ "PluginHost": { "Restart": { "Factor": "double" } } }""");

        var (exitCode, output) = await HostProcess.RunAsync(["list"], settings.Environment);

        Assert.Equal(1, exitCode);
        Assert.Equal($"pluginhost: {settings.Path}: PluginHost:Restart:Factor: 'double' is not a number, e.g. 2 or 1.5", OneLine(output));
    }

    [Fact]
    public async Task EveryProblemIsReportedEachOnItsLine()
    {
        var (exitCode, output) = await List("--PluginHost:StopTimeout=soon", "--PluginHost:StopTimout=1");

        Assert.Equal(1, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("pluginhost: command line: PluginHost:StopTim", l));
    }

    [Fact]
    public async Task OutOfRangeValueIsOneLineWithItsSource()
    {
        var (exitCode, output) = await HostProcess.RunAsync(
            ["list", $"--PluginHost:PluginDirectories:0={_directory}"],
            new Dictionary<string, string> { ["PLUGINHOST_PluginHost__Plugins__greeter__Instances"] = "0" });

        Assert.Equal(1, exitCode);
        Assert.Equal(
            "pluginhost: environment variable PLUGINHOST_PluginHost__Plugins__greeter__Instances: PluginHost:Plugins:greeter:Instances must be between 1 and 64; it is 0.",
            OneLine(output));
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("check")]
    [InlineData("run")]
    public async Task EveryVerbThatBuildsTheHostIsStrict(string verb)
    {
        string[] args = verb == "run" ? [] : [Path.Combine(_directory, "greeter")];

        var (exitCode, output) = await HostProcess.RunAsync([verb, .. args, "--PluginHost:Plugins:greeter:Enabled=nope"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("pluginhost: command line: PluginHost:Plugins:greeter:Enabled: 'nope' is not true or false", OneLine(output));
    }

    [Fact]
    public async Task UndeclaredSettingIsAWarningWithASuggestion()
    {
        var (exitCode, output) = await List("--PluginHost:Plugins:greeter:Settings:greting=Hi", "--PluginHost:Plugins:greeter:Settings:db:hots=x");

        Assert.Equal(0, exitCode);
        Assert.Contains("pluginhost: warning: command line: PluginHost:Plugins:greeter:Settings:greting: not a setting plugin.json declares (did you mean greeting?)", output);
        Assert.Contains("pluginhost: warning: command line: PluginHost:Plugins:greeter:Settings:db:hots: not a setting plugin.json declares (did you mean host?)", output);
        Assert.Matches(@"(?m)^greeter\s+1\.0\.0\s+1\s+ready\s", output);
    }

    [Fact]
    public async Task UnknownConfiguredCapabilityMakesThePluginInvalidInList()
    {
        var (exitCode, output) = await List("--PluginHost:Plugins:greeter:Capabilities:0=netwrk");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"(?m)^greeter\s+1\.0\.0\s+1\s+invalid\s+\S+\s+PluginHost:Plugins:greeter:Capabilities: unknown capability 'netwrk'", output);
    }

    [Fact]
    public async Task UnknownManifestCapabilityFailsValidate()
    {
        var folder = _folders.Plugin("other/netty", """{ "name": "netty", "version": "1.0.0", "entry": "main", "capabilities": ["netwrk"] }""", "main.py");

        var (exitCode, output) = await HostProcess.RunAsync(["validate", folder]);

        Assert.Equal(1, exitCode);
        Assert.Contains("plugin.json /capabilities/0: \"netwrk\" is not a capability", output);
    }

    [Fact]
    public async Task UnknownConfiguredCapabilityFailsValidate()
    {
        var (exitCode, output) = await HostProcess.RunAsync(
            ["validate", Path.Combine(_directory, "greeter"), "--PluginHost:Plugins:greeter:Capabilities:0=netwrk"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("PluginHost:Plugins:greeter:Capabilities: unknown capability 'netwrk'", output);
    }

    [Fact]
    public async Task RunLogsTheConfigurationSourcesAndSettingWarnings()
    {
        using var settings = new EnvironmentSettingsFile("""{ "PluginHost": { "StopTimeout": "00:00:05" } }""");
        using var host = HostProcess.Start(
            ["--PluginHost:PluginDirectories:0=" + _directory, "--PluginHost:Plugins:greeter:Settings:greting=Hi"], settings.Environment);

        await host.WaitForOutputAsync("plugin instances running", TimeSpan.FromMinutes(1));
        var output = await host.StopAsync();

        Assert.Matches($@"Configuration read from: (\S+appsettings\.json, )?{Regex.Escape(settings.Path)}, environment variables PLUGINHOST_\*, command line", output);
        Assert.Contains("Configuration: command line: PluginHost:Plugins:greeter:Settings:greting: not a setting plugin.json declares (did you mean greeting?)", output);
    }

    /// <summary>appsettings.{Environment}.json next to the binary under a name only this test's host reads (DOTNET_ENVIRONMENT).</summary>
    private sealed class EnvironmentSettingsFile : IDisposable
    {
        private readonly string _name = "Strict" + Guid.NewGuid().ToString("N")[..8];

        public EnvironmentSettingsFile(string json)
        {
            Path = System.IO.Path.Combine(AppContext.BaseDirectory, $"appsettings.{_name}.json");
            File.WriteAllText(Path, json);
        }

        public string Path { get; }

        public Dictionary<string, string> Environment => new() { ["DOTNET_ENVIRONMENT"] = _name };

        public void Dispose() => File.Delete(Path);
    }
}
