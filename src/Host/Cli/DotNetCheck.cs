using PluginHost.Host.HostFunctions;
using PluginHost.Sdk;

namespace PluginHost.Host.Cli;

/// <summary>
/// For <c>validate</c>: loads a plugin's <c>dotnet/</c> assemblies the way the host will (own load context, host
/// functions found and checked against the host's), then releases them. Runs no plugin code but constructors.
/// </summary>
internal static class DotNetCheck
{
    /// <returns>Why the plugin's .NET part cannot load, or null (also when it has none).</returns>
    public static string? Run(HostFunctionRegistry registry, PluginManifest manifest, string folder)
    {
        try
        {
            registry.LoadPlugin(manifest.Name, folder)?.Dispose();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"its .NET part cannot be loaded: {e.Message}";
        }
    }
}
