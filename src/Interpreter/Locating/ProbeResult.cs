namespace PluginHost.Interpreter.Locating;

/// <summary>Outcome of looking at one candidate: either an installation or why it was not usable.</summary>
internal readonly record struct ProbeResult(PythonInstallation? Installation, string? Problem)
{
    public static ProbeResult Found(PythonInstallation installation) => new(installation, null);

    public static ProbeResult Unusable(string problem) => new(null, problem);

    /// <summary>The shared reason for anything older than 3.12: subinterpreters need their own GIL.</summary>
    public static ProbeResult TooOld(Version version) =>
        Unusable($"{version.Major}.{version.Minor} has no per-interpreter GIL (PEP 684), 3.12 or newer needed");

    public static readonly Version MinimumVersion = new(3, 12);
}
