namespace PluginHost.Interpreter.Contract;

/// <summary>
/// How a plugin's output crosses to the host without letting one write make the host hold it whole: large writes
/// cross in pieces, and a line or record over the host's limit is cut, ending with a marker that says how much went.
/// </summary>
public static class PluginOutput
{
    /// <summary>The most characters one <see cref="IPluginBinding.Write"/> call carries.</summary>
    public const int PieceLength = 16 * 1024;

    /// <summary><paramref name="head"/> (what was kept of a line or record) with the marker for <paramref name="dropped"/> characters cut after it.</summary>
    public static string Marker(string head, long dropped, int limit) =>
        $"{head}… [{dropped} more characters dropped: a line of output or logging record is cut at {limit} characters]";
}
