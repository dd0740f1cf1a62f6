using System.Text.Json;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Cli;

/// <summary><c>pluginhost list</c>: what discovery found, as a table or as JSON.</summary>
internal static class ListCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static int Run(PluginCatalog catalog, TextWriter output, bool json)
    {
        var discovery = catalog.Scan();
        if (json)
            WriteJson(discovery, output);
        else
            WriteTable(discovery, output);
        return ExitCodes.Success;
    }

    /// <summary>ready, disabled or invalid: what discovery alone can say about a plugin.</summary>
    public static string StateOf(PluginDescriptor plugin) =>
        !plugin.Enabled ? "disabled" : plugin.CanLoad ? "ready" : "invalid";

    private static void WriteTable(DiscoveryResult discovery, TextWriter output)
    {
        string[] header = ["NAME", "VERSION", "INSTANCES", "STATE", "FOLDER", "ERROR"];
        var rows = discovery.Plugins
            .Select(p => new[] { p.Name, p.Manifest?.Version ?? "-", p.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture), StateOf(p), p.Folder.Length == 0 ? "-" : p.Folder, p.LoadError ?? "" })
            .ToList();
        if (rows.Count == 0)
        {
            output.WriteLine("No plugins found.");
        }
        else
        {
            // Every column but the last padded to its widest cell; the error, often long, runs on at the end.
            var widths = Enumerable.Range(0, header.Length - 1).Select(c => rows.Append(header).Max(r => r[c].Length)).ToArray();
            foreach (var row in rows.Prepend(header))
                output.WriteLine(string.Join("  ", row.Select((cell, c) => c < widths.Length ? cell.PadRight(widths[c]) : cell)).TrimEnd());
        }
        foreach (var warning in discovery.Warnings)
            output.WriteLine($"warning: {warning}");
    }

    private static void WriteJson(DiscoveryResult discovery, TextWriter output)
    {
        var plugins = discovery.Plugins.Select(p => new PluginEntry(
            p.Name, p.Manifest?.Version, p.Manifest?.Description, p.Manifest?.Entry, p.Instances, p.Enabled, StateOf(p),
            p.Folder.Length == 0 ? null : p.Folder, p.LoadError));
        output.WriteLine(JsonSerializer.Serialize(new ListOutput([.. plugins], discovery.Warnings), JsonOutput));
    }

    private sealed record ListOutput(IReadOnlyList<PluginEntry> Plugins, IReadOnlyList<string> Warnings);

    private sealed record PluginEntry(
        string Name, string? Version, string? Description, string? Entry, int Instances, bool Enabled, string State, string? Folder, string? Error);
}
