using Microsoft.Extensions.Logging;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// What one plugin instance may do, built afresh for each of its interpreters: the policy from the manifest's
/// capabilities (or their configured override) and the host functions they grant, both reporting to the instance's
/// one denial monitor.
/// </summary>
internal sealed class InstancePolicy(
    PluginDescriptor descriptor, int number, IReadOnlyList<string>? configured, HostFunctionTable own, HostFunctionTable host, ILogger logger)
{
    /// <summary>Why a restart cannot help when the capabilities do not parse.</summary>
    public const string CannotHeal = "its capabilities do not parse; a restart would fail the same way";

    /// <summary>The instance's denials, counted over all its interpreters (logged and counted as metrics).</summary>
    public PolicyMonitor Monitor { get; } = new(descriptor.Name, number, logger);

    /// <summary>The policy and the host functions it grants; null and the errors when the capabilities do not parse.</summary>
    public (InterpreterPolicy Policy, HostFunctionScope Functions)? Create(out string? errors)
    {
        var problems = new List<string>();
        var capabilities = PluginPolicies.Resolve(descriptor, configured, problems);
        if (problems.Count > 0)
        {
            errors = string.Join("; ", problems);
            return null;
        }
        errors = null;
        if (capabilities.Names.Any())
            logger.PolicyGranted(descriptor.Name, number, string.Join(", ", capabilities.Names));
        var policy = PluginPolicies.Create(descriptor, capabilities, configured is not null, Monitor);
        var functions = new HostFunctionScope(descriptor.Name, number, own, host, capabilities.HostFunctions, policy.GrantHint!,
            (function, error) => logger.HostFunctionFailed(descriptor.Name, number, function, error), Monitor);
        return (policy, functions);
    }
}
