using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Cli;

/// <summary>
/// <c>pluginhost list</c>: what discovery found, as a table or as JSON; with a running host's status file
/// (<c>PluginHost:StatusFile</c>) also each instance's state, restarts and memory.
/// </summary>
internal static class ListCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <param name="checkSyntax">
    /// validate's syntax check over the given folders (<see cref="SyntaxCheck.RunAll"/>): a plugin whose code does not
    /// compile is listed invalid with its errors, as a start would fail it. Null: not checked.
    /// </param>
    /// <param name="checkCapabilities">The error that keeps a plugin's capabilities from parsing (<see cref="CapabilityCheck"/>), or null.</param>
    public static int Run(PluginCatalog catalog, TextWriter output, bool json, HostStatus? running = null,
        Func<IEnumerable<string>, IReadOnlyDictionary<string, string>>? checkSyntax = null,
        Func<PluginDescriptor, string?>? checkCapabilities = null)
    {
        var discovery = catalog.Scan();
        if (checkCapabilities is not null)
            discovery = discovery with
            {
                Plugins = [.. discovery.Plugins.Select(p => p.CanLoad && checkCapabilities(p) is { } error ? p with { LoadError = error } : p)],
            };
        if (checkSyntax is not null)
            discovery = WithSyntaxErrors(discovery, checkSyntax);
        if (json)
            WriteJson(discovery, running, output);
        else
            WriteTable(discovery, running, output);
        return ExitCodes.Success;
    }

    private static DiscoveryResult WithSyntaxErrors(DiscoveryResult discovery, Func<IEnumerable<string>, IReadOnlyDictionary<string, string>> checkSyntax)
    {
        IReadOnlyDictionary<string, string> errors;
        try
        {
            errors = checkSyntax(discovery.Plugins.Where(p => p.Manifest is not null && p.LoadError is null).Select(p => p.Folder));
        }
        catch (Exception e) when (e is Interpreter.Locating.PythonNotFoundException or NotSupportedException or Interpreter.PythonException or TimeoutException)
        {
            return discovery with { Warnings = [.. discovery.Warnings, $"Python syntax not checked: {e.Message}"] };
        }
        return discovery with
        {
            Plugins = [.. discovery.Plugins.Select(p => p.LoadError is null && errors.TryGetValue(p.Folder, out var error) ? p with { LoadError = error } : p)],
        };
    }

    /// <summary>ready, disabled or invalid: what discovery (and the syntax check) can say about a plugin.</summary>
    public static string StateOf(PluginDescriptor plugin) =>
        !plugin.Enabled ? "disabled" : plugin.CanLoad ? "ready" : "invalid";

    /// <summary>As <see cref="StateOf(PluginDescriptor)"/>, but a ready plugin is <c>failed</c> when the running host has an instance of it Failed.</summary>
    private static string StateOf(PluginDescriptor plugin, IReadOnlyList<PluginStatus> instances) =>
        plugin.CanLoad && instances.Any(i => i.State == PluginState.Failed) ? "failed" : StateOf(plugin);

    /// <summary>The discovery error, else the running host's last error of each failed or restarting instance.</summary>
    private static string? ErrorOf(PluginDescriptor plugin, IReadOnlyList<PluginStatus> instances)
    {
        if (plugin.LoadError is not null)
            return plugin.LoadError;
        var errors = instances
            .Where(i => i.State is PluginState.Failed or PluginState.Restarting && i.Error is not null)
            .Select(i => $"instance {i.Instance} {i.State.ToString().ToLowerInvariant()}: {i.Error}")
            .ToList();
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }

    private static IReadOnlyList<PluginStatus> InstancesOf(HostStatus? running, PluginDescriptor plugin) =>
        running?.Instances.Where(i => i.Plugin == plugin.Name).ToList() ?? [];

    /// <summary>Each instance as <c>n:state</c>; a restarting one with its attempt and next start (UTC).</summary>
    public static string Describe(IEnumerable<PluginStatus> instances)
    {
        var parts = instances.Select(i => i.State == PluginState.Restarting
            ? $"{i.Instance}:restarting(attempt {i.RestartAttempt}, at {i.NextStart:HH:mm:ss})"
            : $"{i.Instance}:{i.State.ToString().ToLowerInvariant()}").ToList();
        return parts.Count == 0 ? "-" : string.Join(" ", parts);
    }

    private static void WriteTable(DiscoveryResult discovery, HostStatus? running, TextWriter output)
    {
        List<string> header = ["NAME", "VERSION", "INSTANCES", "STATE", "FOLDER", "ERROR"];
        if (running is not null)
            header.InsertRange(4, ["RUNNING", "RESTARTS", "MEMORY", "ABANDONED"]);
        var rows = discovery.Plugins.Select(p =>
        {
            var instances = InstancesOf(running, p);
            List<string> row = [p.Name, p.Manifest?.Version ?? "-", p.Instances.ToString(CultureInfo.InvariantCulture), StateOf(p, instances), p.Folder.Length == 0 ? "-" : p.Folder, ErrorOf(p, instances) ?? ""];
            if (running is not null)
                row.InsertRange(4, LiveColumns(instances));
            return row;
        }).ToList();
        if (rows.Count == 0)
        {
            output.WriteLine("No plugins found.");
        }
        else
        {
            // Every column but the last padded to its widest cell; the error, often long, runs on at the end.
            var widths = Enumerable.Range(0, header.Count - 1).Select(c => rows.Append(header).Max(r => r[c].Length)).ToArray();
            foreach (var row in rows.Prepend(header))
                output.WriteLine(string.Join("  ", row.Select((cell, c) => c < widths.Length ? cell.PadRight(widths[c]) : cell)).TrimEnd());
        }
        if (running is not null)
            output.WriteLine($"states written by process {running.ProcessId} at {running.Written:u}");
        foreach (var warning in discovery.Warnings)
            output.WriteLine($"warning: {warning}");
    }

    private static string[] LiveColumns(IReadOnlyList<PluginStatus> instances)
    {
        var bytes = instances.Sum(i => i.MemoryBytes ?? 0);
        return
        [
            Describe(instances),
            instances.Count == 0 ? "-" : instances.Sum(i => i.Restarts).ToString(CultureInfo.InvariantCulture),
            bytes == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB"),
            // Interpreters left running because they could not be ended (docs/reliability.md, "Stopping").
            instances.Count == 0 ? "-" : instances.Sum(i => i.Abandoned).ToString(CultureInfo.InvariantCulture),
        ];
    }

    private static void WriteJson(DiscoveryResult discovery, HostStatus? running, TextWriter output)
    {
        var plugins = discovery.Plugins.Select(p => new PluginEntry(
            p.Name, p.Manifest?.Version, p.Manifest?.Description, p.Manifest?.Entry, p.Instances, p.Enabled, StateOf(p, InstancesOf(running, p)),
            p.Folder.Length == 0 ? null : p.Folder, ErrorOf(p, InstancesOf(running, p)))
        {
            Running = running?.Instances.Where(i => i.Plugin == p.Name).ToList(),
        });
        output.WriteLine(JsonSerializer.Serialize(new ListOutput([.. plugins], discovery.Warnings) { StatusWritten = running?.Written }, JsonOutput));
    }

    private sealed record ListOutput(IReadOnlyList<PluginEntry> Plugins, IReadOnlyList<string> Warnings)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public DateTimeOffset? StatusWritten { get; init; }
    }

    private sealed record PluginEntry(
        string Name, string? Version, string? Description, string? Entry, int Instances, bool Enabled, string State, string? Folder, string? Error)
    {
        /// <summary>The running host's instances of this plugin, when a status file was read.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<PluginStatus>? Running { get; init; }
    }
}
