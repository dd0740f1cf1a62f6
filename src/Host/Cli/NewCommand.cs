using PluginHost.Host.HostFunctions;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Cli;

/// <summary>
/// <c>pluginhost new &lt;name&gt; [folder] [--dotnet]</c>: scaffolds a working plugin — manifest, Python entry module,
/// the <c>pluginhost</c> type stubs and the manifest schema for editors, and with <c>--dotnet</c> a .NET project whose
/// host function the Python side calls. The result passes <c>validate</c> as it is.
/// </summary>
internal static class NewCommand
{
    /// <param name="folder">Where to create it (must not exist or be empty); relative to the current directory.</param>
    /// <param name="sdkAssembly">The PluginHost.Sdk.dll the .NET project compiles against (the running host's), copied into the plugin.</param>
    public static int Run(string name, string folder, bool dotnet, TextWriter output, string sdkAssembly)
    {
        if (PluginNames.Problem(name) is { } problem)
        {
            output.WriteLine($"invalid: {problem}");
            return ExitCodes.Failure;
        }
        folder = Path.GetFullPath(folder);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            output.WriteLine($"invalid: {folder} exists and is not empty");
            return ExitCodes.Failure;
        }
        foreach (var (path, text) in PluginTemplate.Files(name, dotnet))
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }
        if (dotnet)
        {
            // Part of the plugin's source, so its project builds on any machine (docs/writing-plugins.md).
            var copy = Path.Combine(folder, PluginTemplate.SdkCopy);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(sdkAssembly, copy);
        }
        output.WriteLine($"created plugin {name} in {folder}");
        if (dotnet)
            output.WriteLine($"  build its .NET part: dotnet build {Path.Combine(folder, "src")} (it builds into {PluginAssemblies.FolderName}/)");
        output.WriteLine($"  check it:            pluginhost validate {folder}");
        return ExitCodes.Success;
    }
}
