namespace PluginHost.Host.Cli;

internal enum CommandVerb
{
    /// <summary>Start the host and run plugins until stopped (the default).</summary>
    Run,

    /// <summary>Print discovered plugins with version, state and load error.</summary>
    List,

    /// <summary>A live table of the running host's instances, from its status file.</summary>
    Top,

    /// <summary>Check one plugin folder without starting the host.</summary>
    Validate,

    /// <summary>Import one plugin in an isolated interpreter under its policy and report what can run isolated.</summary>
    Check,

    /// <summary>Scaffold a new plugin folder.</summary>
    New,

    /// <summary>Print usage.</summary>
    Help,
}
