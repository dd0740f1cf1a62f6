using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginHost.Sdk;

/// <summary>
/// A plugin's <c>plugin.json</c>: who it is, what to import, and the defaults it runs with. The published JSON Schema
/// (<c>docs/plugin-manifest.schema.json</c>) is the authority on what a valid manifest is; this type is its shape.
/// Unknown properties are refused, as the schema refuses them, so a misspelt key is an error and not a silent default.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PluginManifest
{
    /// <summary>The manifest's file name inside a plugin folder.</summary>
    public const string FileName = "plugin.json";

    /// <summary>Lowercase identifier, unique among the host's plugins: <c>^[a-z][a-z0-9_.-]{0,63}$</c>.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Semantic version, e.g. <c>1.2.0</c> or <c>2.0.0-rc.1</c>.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>Python module imported to start the plugin, relative to the plugin folder: <c>main</c> or <c>mypkg.plugin</c>.</summary>
    [JsonPropertyName("entry")]
    public required string Entry { get; init; }

    /// <summary>One line for people listing plugins.</summary>
    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    /// <summary>How many interpreters run this plugin, 1 to 64.</summary>
    [JsonPropertyName("instances")]
    public int Instances { get; init; } = 1;

    /// <summary>Default settings; configuration may override each key.</summary>
    [JsonPropertyName("settings")]
    public IReadOnlyDictionary<string, JsonElement> Settings { get; init; } = ImmutableDictionary<string, JsonElement>.Empty;

    /// <summary>Topic patterns the plugin receives messages for.</summary>
    [JsonPropertyName("subscriptions")]
    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>What the plugin may do beyond computing (files, network, processes, ...).</summary>
    [JsonPropertyName("capabilities")]
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Plugins that must be running (all their instances) before this one starts; it stops before them.</summary>
    [JsonPropertyName("dependsOn")]
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Where each instance runs: <c>subinterpreter</c> (the default), <c>process</c> or <c>auto</c> (docs/isolation.md).</summary>
    [JsonPropertyName("isolation")]
    public string Isolation { get; init; } = "subinterpreter";

    /// <summary>
    /// How many messages of one instance its async handlers may have in flight at once, 1 (default: one at a time, in
    /// order) to 10000; configuration <c>PluginHost:Plugins:&lt;name&gt;:MaxConcurrency</c> overrides it.
    /// </summary>
    [JsonPropertyName("maxConcurrency")]
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>The editor hint <c>"$schema"</c>; carried so a manifest that names its schema is not refused.</summary>
    [JsonPropertyName("$schema")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Schema { get; init; }
}
