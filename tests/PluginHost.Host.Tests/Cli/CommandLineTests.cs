using PluginHost.Host.Cli;

namespace PluginHost.Host.Tests.Cli;

public sealed class CommandLineTests
{
    [Fact]
    public void NoArgumentsMeansRun()
    {
        var command = CommandLine.Parse([]);

        Assert.Equal(CommandVerb.Run, command.Verb);
        Assert.Null(command.Error);
        Assert.Empty(command.ConfigurationArgs);
    }

    [Fact]
    public void LeadingConfigurationOverrideMeansRun()
    {
        var command = CommandLine.Parse(["--PluginHost:StopTimeout=00:00:05"]);

        Assert.Equal(CommandVerb.Run, command.Verb);
        Assert.Equal(["--PluginHost:StopTimeout=00:00:05"], command.ConfigurationArgs);
    }

    [Fact]
    public void ListTakesJsonAndOverrides()
    {
        var command = CommandLine.Parse(["list", "--json", "--PluginHost:PluginDirectories:0=/srv/plugins"]);

        Assert.Equal(CommandVerb.List, command.Verb);
        Assert.True(command.Json);
        Assert.Equal(["--PluginHost:PluginDirectories:0=/srv/plugins"], command.ConfigurationArgs);
    }

    [Fact]
    public void ValidateTakesOneFolder()
    {
        var command = CommandLine.Parse(["validate", "plugins/echo", "--json"]);

        Assert.Equal(CommandVerb.Validate, command.Verb);
        Assert.Equal("plugins/echo", command.Folder);
        Assert.True(command.Json);
        Assert.Null(command.Error);
    }

    [Fact]
    public void ValidateWithoutAFolderIsAUsageError()
    {
        var command = CommandLine.Parse(["validate"]);

        Assert.Equal("validate needs a plugin folder: pluginhost validate <folder>", command.Error);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void HelpIsRecognised(string arg)
    {
        var command = CommandLine.Parse([arg]);

        Assert.Equal(CommandVerb.Help, command.Verb);
        Assert.Null(command.Error);
    }

    [Fact]
    public void HelpAfterAVerbWins()
    {
        Assert.Equal(CommandVerb.Help, CommandLine.Parse(["validate", "--help"]).Verb);
    }

    [Theory]
    [InlineData(new[] { "start" }, "unknown command 'start'")]
    [InlineData(new[] { "list", "--verbose" }, "unknown option '--verbose'; configuration overrides take the form --Section:Key=Value")]
    [InlineData(new[] { "run", "--json" }, "unknown option '--json'; configuration overrides take the form --Section:Key=Value")]
    [InlineData(new[] { "list", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "validate", "a", "b" }, "unexpected argument 'b'")]
    public void MistakesAreUsageErrors(string[] args, string error)
    {
        var command = CommandLine.Parse(args);

        Assert.Equal(error, command.Error);
    }

    [Fact]
    public void HelpTextNamesEveryCommand()
    {
        var output = new StringWriter();

        CommandLine.WriteHelp(output);

        Assert.Contains("run", output.ToString());
        Assert.Contains("list [--json]", output.ToString());
        Assert.Contains("validate <folder>", output.ToString());
    }
}
