namespace PluginHost.Host.Cli;

internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and found a problem (an invalid plugin, a host that failed).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
}
