using System.Text.Json;
using PluginHost.Host.Plugins;
using PluginHost.Sdk;

namespace PluginHost.Host.Cli;

/// <summary><c>pluginhost validate &lt;folder&gt;</c>: manifest, schema and entry module, without starting the host.</summary>
internal static class ValidateCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="folder">The plugin folder; relative to the current directory.</param>
    /// <param name="checkEntry">
    /// Further check of a manifest that passed everything else, given the manifest and the full folder path; returns
    /// an error or null. The seam for importing the entry module in a real interpreter.
    /// </param>
    /// <returns><see cref="ExitCodes.Success"/> when valid, else <see cref="ExitCodes.Failure"/>.</returns>
    public static int Run(string folder, TextWriter output, bool json, Func<PluginManifest, string, string?>? checkEntry = null)
    {
        var result = ManifestReader.Read(folder);
        var errors = result.Errors.ToList();
        if (result.IsValid && checkEntry?.Invoke(result.Manifest!, result.Folder) is { } entryError)
            errors.Add(entryError);

        if (json)
            output.WriteLine(JsonSerializer.Serialize(
                new ValidateOutput(result.Folder, errors.Count == 0, result.Manifest?.Name, result.Manifest?.Version, errors), JsonOutput));
        else if (errors.Count == 0)
            output.WriteLine($"ok: {result.Manifest!.Name} {result.Manifest.Version} (entry {result.Manifest.Entry}) in {result.Folder}");
        else
        {
            output.WriteLine($"invalid: {result.Folder}");
            foreach (var error in errors)
                output.WriteLine($"  - {error}");
        }
        return errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private sealed record ValidateOutput(string Folder, bool Valid, string? Name, string? Version, IReadOnlyList<string> Errors);
}
