namespace PluginHost.Sdk.HostFunctions;

/// <summary>Who is calling a host function: a host function may take it as a parameter.</summary>
/// <param name="Plugin">The calling plugin's name.</param>
/// <param name="Instance">The calling instance's number.</param>
/// <param name="Function">The name the function was called by.</param>
public sealed record HostCall(string Plugin, int Instance, string Function);
