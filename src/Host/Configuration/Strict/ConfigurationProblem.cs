namespace PluginHost.Host.Configuration.Strict;

/// <summary>One configuration mistake, worded as one line: where it was given, the key, and what was expected.</summary>
internal sealed record ConfigurationProblem(string Source, string Key, string Message)
{
    public override string ToString() => $"{Source}: {Key}: {Message}";
}
