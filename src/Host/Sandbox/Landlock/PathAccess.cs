namespace PluginHost.Host.Sandbox.Landlock;

/// <summary>What a confined process may do beneath one path.</summary>
internal enum PathAccess
{
    /// <summary>Open files for reading, list directories.</summary>
    Read,

    /// <summary>Read, and execute files (the dotnet host, the dynamic loader).</summary>
    ReadExecute,

    /// <summary>Everything the Landlock ABI can restrict: read, write, create, remove, rename, truncate.</summary>
    Full,
}
