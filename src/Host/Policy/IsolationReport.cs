using PluginHost.Host.Sandbox.Confinement;

namespace PluginHost.Host.Policy;

/// <summary>What <c>pluginhost check</c> found about one plugin: whether it can run in an isolated subinterpreter, and why.</summary>
internal sealed record IsolationReport
{
    public required string Folder { get; init; }

    public string? Name { get; init; }

    public string? Version { get; init; }

    public string? Entry { get; init; }

    /// <summary>Where it was imported: <c>subinterpreter</c>, or <c>process</c> (as its worker process would, for a plugin with that isolation).</summary>
    public string Isolation { get; init; } = "subinterpreter";

    /// <summary>True when the entry module imported and every module it brought is compatible (with <see cref="Isolation"/>).</summary>
    public bool Compatible { get; init; }

    /// <summary>Problems that stop the check itself (invalid manifest, capabilities that do not parse).</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The exception importing the entry module raised, as "Type: message", or null.</summary>
    public string? ImportError { get; init; }

    /// <summary>The plugin's own modules, every extension module, and every module that failed.</summary>
    public IReadOnlyList<ModuleReport> Modules { get; init; } = [];

    /// <summary>How many pure-Python standard library modules were loaded besides (all compatible).</summary>
    public int StandardLibraryModules { get; init; }

    public IReadOnlyList<string> Granted { get; init; } = [];

    public IReadOnlyList<CapabilityUse> Used { get; init; } = [];

    public IReadOnlyList<CapabilityUse> Denied { get; init; } = [];

    /// <summary>Whether the check ran confined by the kernel, and how (null: not decided, as for an invalid folder).</summary>
    public SandboxReport? Sandbox { get; init; }
}

/// <param name="Kind">python, extension, builtin or frozen.</param>
/// <param name="Location">plugin (its folder or lib/), stdlib, or nowhere (a missing dependency).</param>
/// <param name="Status">ok, incompatible (cannot load in an isolated subinterpreter), denied (by the policy), missing (a dependency neither in the standard library nor in the plugin's folders: vendor it into lib/) or error.</param>
internal sealed record ModuleReport(string Name, string Kind, string Location, string? Origin, string Status, string? Reason);

/// <summary>One facility the plugin used (through a grant) or was denied, with how often and one example.</summary>
internal sealed record CapabilityUse(string Capability, string Facility, int Count, string Example);
