using PluginHost.Host.Sandbox.Confinement;

namespace PluginHost.Host.Cli;

/// <summary>
/// A parsed command line. <see cref="ConfigurationArgs"/> holds the <c>--Section:Key=Value</c> overrides, to be given
/// to the configuration (and nothing else: the verb and its own arguments are not configuration).
/// </summary>
internal sealed record ParsedCommand(CommandVerb Verb, IReadOnlyList<string> ConfigurationArgs)
{
    /// <summary>The plugin folder for <see cref="CommandVerb.Validate"/> and <see cref="CommandVerb.Check"/>.</summary>
    public string? Folder { get; init; }

    /// <summary>The new plugin's name for <see cref="CommandVerb.New"/>.</summary>
    public string? Name { get; init; }

    /// <summary><c>--dotnet</c>: <see cref="CommandVerb.New"/> also scaffolds a .NET project.</summary>
    public bool DotNet { get; init; }

    /// <summary>For <see cref="CommandVerb.Check"/>: confined by the kernel (the default), <c>--no-confine</c>, or the re-executed confined process.</summary>
    public CheckConfinement Confinement { get; init; }

    /// <summary><c>--json</c>: machine-readable output for list and validate.</summary>
    public bool Json { get; init; }

    /// <summary><c>--count=N</c>: how many tables <see cref="CommandVerb.Top"/> shows before it exits.</summary>
    public int? Count { get; init; }

    /// <summary>Why the command line is unusable; print it with the usage and exit with <see cref="ExitCodes.Usage"/>.</summary>
    public string? Error { get; init; }
}
