using System.Reflection;
using System.Runtime.InteropServices;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>Host functions the host itself provides (capability <c>host:host.info</c>).</summary>
internal sealed class HostInfoFunctions : IHostFunctions
{
    /// <summary>The host's version, the .NET runtime and the operating system, and who is asking.</summary>
    [HostFunction("host.info")]
    public HostInfo Info(HostCall call) => new(
        typeof(HostInfoFunctions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        call.Plugin,
        call.Instance);

    public sealed record HostInfo(string Host, string Dotnet, string Os, string Plugin, int Instance);
}
