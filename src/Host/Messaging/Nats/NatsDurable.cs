namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// The names and pattern arithmetic of durable topics: the stream (one per subject prefix), a consumer per plugin and
/// durable pattern, and which plugin patterns overlap which durable ones.
/// </summary>
internal static class NatsDurable
{
    /// <summary>The deployment's stream: its prefix in capitals, '.' as '_' (stream names take no '.').</summary>
    public static string StreamName(string prefix) => "PLUGINHOST_" + Clean(prefix).ToUpperInvariant();

    /// <summary>
    /// The durable consumer of <paramref name="owner"/> for the durable pattern at <paramref name="index"/>: the
    /// plugin's name ('.' as '_'), and <c>-2</c>, <c>-3</c> ... for the second and later patterns.
    /// </summary>
    public static string ConsumerName(string owner, int index) => index == 0 ? Clean(owner) : $"{Clean(owner)}-{index + 1}";

    /// <summary>Null when <paramref name="pattern"/> is a valid topic pattern.</summary>
    public static string? CheckPattern(string? pattern)
    {
        try
        {
            TopicPattern.Parse(pattern!);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.Split(" (Parameter")[0];
        }
    }

    /// <summary>Whether some topic matches both patterns (token by token: '*' any one, '>' any rest).</summary>
    public static bool Overlap(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        for (var i = 0; ; i++)
        {
            if (i == x.Length || i == y.Length) return x.Length == y.Length;
            if (x[i] == ">" || y[i] == ">") return true;
            if (x[i] != "*" && y[i] != "*" && !string.Equals(x[i], y[i], StringComparison.Ordinal)) return false;
        }
    }

    /// <summary>Whether every topic <paramref name="pattern"/> matches also matches <paramref name="durable"/>.</summary>
    public static bool Covers(string durable, string pattern)
    {
        var d = durable.Split('.');
        var p = pattern.Split('.');
        for (var i = 0; ; i++)
        {
            if (i < d.Length && d[i] == ">") return i < p.Length;
            if (i == d.Length || i == p.Length) return d.Length == p.Length;
            if (p[i] == ">") return false;
            if (d[i] == "*") continue;
            if (p[i] == "*" || !string.Equals(d[i], p[i], StringComparison.Ordinal)) return false;
        }
    }

    private static string Clean(string name) => name.Replace('.', '_');
}
