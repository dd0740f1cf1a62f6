namespace PluginHost.Host.Tests.Lifecycle.Live;

/// <summary>
/// An environment-specific settings file next to the host (appsettings.{environment}.json, a documented source), with
/// an environment name of its own so that no other test sees it; written whole by rename, as an editor or deployment does.
/// </summary>
internal sealed class LiveSettings : IDisposable
{
    public string Environment { get; } = $"live{Guid.NewGuid():N}"[..16];

    public string Path => System.IO.Path.Combine(AppContext.BaseDirectory, $"appsettings.{Environment}.json");

    public IReadOnlyDictionary<string, string> ProcessEnvironment => new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = Environment };

    public void Write(string json)
    {
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>In place, not by rename: what a half-finished save looks like to the host.</summary>
    public void WriteInPlace(string text) => File.WriteAllText(Path, text);

    public void Dispose() => File.Delete(Path);
}
