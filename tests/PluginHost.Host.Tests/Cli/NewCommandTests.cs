using System.Diagnostics;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Cli;

/// <summary><c>pluginhost new</c>: what it scaffolds passes validate, and with --dotnet builds and runs.</summary>
[Collection(PythonCollection.Name)]
public sealed class NewCommandTests(PythonRuntimeFixture fixture) : IDisposable
{
    private static readonly string SdkAssembly = Path.Combine(AppContext.BaseDirectory, "PluginHost.Sdk.dll");

    private readonly PluginFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void TheCommandLineTakesANameAFolderAndDotnet()
    {
        var command = CommandLine.Parse(["new", "word-count", "plugins/wc", "--dotnet"]);

        Assert.Equal((CommandVerb.New, "word-count", "plugins/wc", true), (command.Verb, command.Name, command.Folder, command.DotNet));
        Assert.Contains("new needs a plugin name", CommandLine.Parse(["new"]).Error);
    }

    [Fact]
    public void APythonPluginScaffoldPassesValidate()
    {
        var folder = Path.Combine(_folders.Root, "word-count");

        Assert.Equal(ExitCodes.Success, NewCommand.Run("word-count", folder, dotnet: false, TextWriter.Null, SdkAssembly));

        var output = new StringWriter();
        Assert.Equal(ExitCodes.Success, ValidateCommand.Run(folder, output, json: false));
        Assert.StartsWith("ok: word-count 0.1.0 (entry main)", output.ToString());
        Assert.Equal(File.ReadAllText(Repository.Path("src", "Sdk", "python", "pluginhost.pyi")),
            File.ReadAllText(Path.Combine(folder, "typings/pluginhost.pyi")));
        Assert.False(Directory.Exists(Path.Combine(folder, "src")));
    }

    [Theory]
    [InlineData("Bad Name", "is not a plugin name")]
    [InlineData("pluginhost", "'pluginhost' is reserved")]
    [InlineData("taken", "exists and is not empty")]
    public void AnInvalidNameOrAUsedFolderIsRefused(string name, string error)
    {
        _folders.ValidPlugin("taken", "taken");
        var output = new StringWriter();

        Assert.Equal(ExitCodes.Failure, NewCommand.Run(name, Path.Combine(_folders.Root, name), dotnet: false, output, SdkAssembly));
        Assert.Contains(error, output.ToString());
    }

    [Fact]
    public async Task ADotnetPluginScaffoldBuildsAndItsPythonCallsItsDotnetFunction()
    {
        await using var harness = new SupervisorHarness(fixture);
        // Written in one folder, built and run from a copy in another, as on another machine: no absolute path in it.
        var written = Path.Combine(_folders.Root, "greeting-card");
        Assert.Equal(ExitCodes.Success, NewCommand.Run("greeting-card", written, dotnet: true, TextWriter.Null, SdkAssembly));
        var project = File.ReadAllText(Path.Combine(written, "src/GreetingCard.csproj"));
        Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd('/'), project);
        Assert.DoesNotContain(written, project);
        var folder = Path.Combine(harness.Root, "greeting-card");
        CopyFolder(written, folder);
        Directory.Delete(written, recursive: true);
        Assert.Equal(ExitCodes.Success, ValidateCommand.Run(folder, TextWriter.Null, json: false));

        var (exitCode, buildOutput) = await Build(Path.Combine(folder, "src"));
        Assert.True(exitCode == 0, buildOutput);
        Assert.True(File.Exists(Path.Combine(folder, "dotnet/GreetingCard.dll")));
        Assert.False(File.Exists(Path.Combine(folder, "dotnet/PluginHost.Sdk.dll")));

        await harness.StartAsync();
        Assert.Equal(PluginState.Running, harness.Status("greeting-card").State);
        var reply = await harness.Broker.RequestAsync(
            new Message { Topic = "greeting-card.hello", Payload = "Ada"u8.ToArray(), ContentType = ContentTypes.Text }, TimeSpan.FromSeconds(20));

        Assert.Equal("Hello, Ada! (from .NET, called by greeting-card/0)", TextOf(reply));
    }

    [Fact]
    public void TheManifestShowsItsSubscriptionLiterally()
    {
        var folder = Path.Combine(_folders.Root, "word-count");

        NewCommand.Run("word-count", folder, dotnet: false, TextWriter.Null, SdkAssembly);

        var manifest = File.ReadAllText(Path.Combine(folder, "plugin.json"));
        Assert.Contains("\"subscriptions\": [\"word-count.>\"]", manifest);
        Assert.DoesNotContain("\\u", manifest);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task<(int ExitCode, string Output)> Build(string project)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = project };
        foreach (var arg in new[] { "build", "-c", "Release", "--nologo", "-v", "quiet" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output + await error);
    }
}
