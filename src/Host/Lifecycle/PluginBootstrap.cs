using System.Text.Json;
using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// bootstrap.py: what every plugin instance's fresh interpreter runs before the plugin's own code (sys.path, standard
/// streams, logging; the start and stop calls). Compiled once per process, loaded marshalled by every instance.
/// </summary>
internal static class PluginBootstrap
{
    public static readonly HostCode Code = new(Read(), "<pluginhost-bootstrap>");

    /// <summary>The statement that prepares an instance of <paramref name="plugin"/> (after <see cref="Code"/>).</summary>
    public static string Prepare(string plugin, string folder, int minimumLevel) =>
        $"_pluginhost_bootstrap({Literal(plugin)}, {Literal(folder)}, {Literal(Path.Combine(folder, "lib"))}, {minimumLevel})\n";

    // A JSON string literal is also a valid Python string literal.
    public static string Literal(string value) => JsonSerializer.Serialize(value);

    private static string Read()
    {
        using var stream = typeof(PluginBootstrap).Assembly.GetManifestResourceStream("PluginHost.Host.Lifecycle.bootstrap.py")
            ?? throw new InvalidOperationException("bootstrap.py is not embedded in the host assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
