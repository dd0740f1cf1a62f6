namespace PluginHost.Host.HostFunctions;

/// <summary>
/// Which host-provided functions a plugin may call: capabilities <c>host:&lt;name&gt;</c> (one function) and
/// <c>host:*</c> (all). A plugin's own functions need no grant.
/// </summary>
internal sealed record HostFunctionGrants(bool All, IReadOnlySet<string> Names)
{
    public const string Prefix = "host";

    public static HostFunctionGrants None { get; } = new(false, new HashSet<string>());

    public bool Allows(string function) => All || Names.Contains(function);

    public IEnumerable<string> CapabilityNames =>
        (All ? ["*"] : Names.Order(StringComparer.Ordinal).ToArray()).Select(n => $"{Prefix}:{n}");
}
