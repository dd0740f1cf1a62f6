using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using PluginHost.Host.Configuration.Strict;

namespace PluginHost.Host.Tests.Configuration;

/// <summary>The keys strict configuration knows are the options classes' (by reflection) and the documented ones.</summary>
public sealed partial class ConfigurationSchemaTests
{
    private static IReadOnlyList<ConfigurationProblem> Check(Dictionary<string, string?> values) =>
        StrictConfiguration.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    [Fact]
    public void EveryKeyInTheDocumentedTableIsKnown()
    {
        var keys = DocumentedKey().Matches(File.ReadAllText(Repository.Path("docs", "configuration.md")))
            .Select(m => m.Groups[1].Value.Replace("<name>", "echo", StringComparison.Ordinal).Replace("<key>", "port", StringComparison.Ordinal))
            .Where(k => !k.EndsWith(":*", StringComparison.Ordinal))
            .ToList();
        Assert.True(keys.Count > 15, $"only {keys.Count} keys found in docs/configuration.md");

        var problems = Check(keys.ToDictionary(k => k, _ => (string?)null));

        Assert.Empty(problems);
    }

    [Fact]
    public void NestedSectionsOfOtherOptionsClassesAreKeysOfTheirParent()
    {
        Assert.Empty(Check(new() { ["PluginHost:Broker:InboxCapacity"] = "10", ["PluginHost:Sandbox:Enabled"] = "false", ["Python:Utf8Mode"] = "true" }));
        Assert.Contains(Check(new() { ["PluginHost:Brokr:InboxCapacity"] = "10" }), p => p.Message == "unknown key; did you mean PluginHost:Broker?");
    }

    [Fact]
    public void PluginHostPythonIsNotAMistake()
    {
        // PLUGINHOST_PYTHON selects CPython; through the PLUGINHOST_ prefix it is also the value of the Python section.
        Assert.Empty(Check(new() { ["PYTHON"] = "/root/.pyenv/versions/3.12.1", ["Python:Utf8Mode"] = "true" }));
    }

    [Fact]
    public void OtherTopLevelSectionsAreNotChecked()
    {
        Assert.Empty(Check(new() { ["Logging:LogLevel:Default"] = "Warning", ["Anything:Else"] = "x" }));
    }

    [Theory]
    [InlineData("StopTimout", "StopTimeout")]
    [InlineData("Instacnes", "Instances")]
    [InlineData("pluginz", "Plugins")]
    [InlineData("Colour", null)]
    public void TheSuggestionIsTheNearestKnownName(string misspelt, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(misspelt, ["StopTimeout", "StartTimeout", "Instances", "Plugins", "Enabled"]));
    }

    [GeneratedRegex(@"^\| `((?:PluginHost|Python):[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();
}
