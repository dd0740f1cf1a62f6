namespace PluginHost.Host.Configuration;

/// <summary>One plugin's configuration: <c>PluginHost:Plugins:&lt;name&gt;</c>.</summary>
internal sealed class PluginOptions
{
    public const int MinInstances = 1;
    public const int MaxInstances = 64;
    public const int MaxMaxConcurrency = 10_000;

    /// <summary>False keeps the plugin discovered (and listed) but not started.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The plugin's folder, for a plugin outside the scanned plugin directories.</summary>
    public string? Path { get; set; }

    /// <summary>Overrides the manifest's <c>instances</c>.</summary>
    public int? Instances { get; set; }

    /// <summary>
    /// Overrides of the manifest's default settings, as configuration gives them: string values under keys relative to
    /// <c>Settings</c> (<c>port</c>, <c>db:host</c>, <c>hosts:0</c>). Typed against the manifest's defaults at discovery.
    /// </summary>
    public Dictionary<string, string?> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Replaces the manifest's <c>capabilities</c> for this host (null keeps them; <c>[""]</c> grants nothing). Checked
    /// when the plugin starts; see docs/capabilities.md.
    /// </summary>
    public List<string>? Capabilities { get; set; }

    /// <summary>This plugin's restart policy: the global <c>PluginHost:Restart</c> with this plugin's keys laid over it; null: the global one.</summary>
    public RestartOptions? Restart { get; set; }

    /// <summary>
    /// Restart an instance whose interpreter holds more than this many MiB: live blocks of its own allocator (objects
    /// up to 512 bytes) plus its large blocks (Python:TrackLargeAllocations). Its inbox holds at most what its
    /// interpreter leaves of the limit in waiting payloads. Null: no limit.
    /// </summary>
    public int? MemoryLimitMiB { get; set; }

    /// <summary>
    /// Overrides the manifest's <c>maxConcurrency</c>: how many messages of one instance its async handlers may have in
    /// flight at once, 1 (the default: one at a time, in order) to 10000. Sync handlers run one at a time whatever it
    /// says. Above 1 only in a subinterpreter (refused with <c>isolation</c> process). See docs/messaging.md#concurrency.
    /// </summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>Overrides the manifest's <c>isolation</c>: <c>subinterpreter</c>, <c>process</c> or <c>auto</c> (docs/isolation.md).</summary>
    public string? Isolation { get; set; }
}
