using PluginHost.Interpreter.Modules;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// The host functions one plugin instance sees: its plugin's own (always) and the host's (when granted). Resolves a
/// name, runs the function within the timeout, and turns every failure into the exception the SDK module maps to
/// the right Python type.
/// </summary>
internal sealed class HostFunctionScope(
    string plugin, int instance, HostFunctionTable own, HostFunctionTable host, HostFunctionGrants grants, string grantHint, Action<string, Exception>? failed = null)
{
    public static HostFunctionScope None(string plugin, int instance) =>
        new(plugin, instance, HostFunctionTable.Empty, HostFunctionTable.Empty, HostFunctionGrants.None, "");

    public HostFunction Resolve(string name)
    {
        if (own.TryGet(name, out var function))
            return function;
        if (!host.TryGet(name, out function))
            throw new KeyNotFoundException($"no host function '{name}' for plugin '{plugin}'");
        if (!grants.Allows(name))
            throw new UnauthorizedAccessException(
                $"plugin '{plugin}' may not call host function '{name}': it needs capability '{HostFunctionGrants.Prefix}:{name}'; {string.Format(grantHint, $"{HostFunctionGrants.Prefix}:{name}")}");
        return function;
    }

    public async Task<HostPayload> CallAsync(string name, HostPayload argument, TimeSpan timeout)
    {
        var function = Resolve(name);
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            return await function.InvokeAsync(new HostCall(plugin, instance, name), argument, cancellation.Token).AsTask().WaitAsync(timeout);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellation.IsCancellationRequested))
        {
            throw new TimeoutException($"host function '{name}' did not finish within {timeout}");
        }
        catch (Exception e) when (e is not HostFunctionArgumentException)
        {
            failed?.Invoke(name, e);
            throw new HostFunctionException(e.Message, e);
        }
    }
}
