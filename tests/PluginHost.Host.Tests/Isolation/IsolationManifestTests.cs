using PluginHost.Host.Plugins;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>The manifest's <c>isolation</c>: three values, enumerated by the schema; subinterpreter when absent.</summary>
public sealed class IsolationManifestTests : IDisposable
{
    private readonly PluginFolders _folders = new();

    [Theory]
    [InlineData(null, "subinterpreter")]
    [InlineData("\"subinterpreter\"", "subinterpreter")]
    [InlineData("\"process\"", "process")]
    [InlineData("\"auto\"", "auto")]
    public void IsolationIsReadWithSubinterpreterAsTheDefault(string? value, string expected)
    {
        var result = ManifestReader.Read(_folders.Plugin("p" + expected + (value is null ? "d" : ""),
            PluginFolders.Manifest("p" + expected + (value is null ? "d" : ""), extra: value is null ? null : $"\"isolation\": {value}"), "main.py"));

        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal(expected, result.Manifest!.Isolation);
    }

    [Theory]
    [InlineData("\"container\"")]
    [InlineData("\"Process\"")]
    [InlineData("1")]
    public void AnythingElseIsRefusedByTheSchema(string value)
    {
        var result = ManifestReader.Read(_folders.Plugin("bad", PluginFolders.Manifest("bad", extra: $"\"isolation\": {value}"), "main.py"));

        Assert.Null(result.Manifest);
        Assert.Contains("/isolation", result.ErrorText);
    }

    public void Dispose() => _folders.Dispose();
}
