using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// The host functions one plugin instance sees: its plugin's own (always) and the host's (when granted). Resolves a
/// name, runs the function within the timeout, and turns every failure into the exception the SDK module maps to
/// the right Python type. A denial is reported to <paramref name="policy"/> like the audit hook's (logged, counted).
/// </summary>
internal sealed class HostFunctionScope(
    string plugin, int instance, HostFunctionTable own, HostFunctionTable host, HostFunctionGrants grants, string grantHint,
    Action<string, Exception>? failed = null, IPolicyListener? policy = null)
{
    public static HostFunctionScope None(string plugin, int instance) =>
        new(plugin, instance, HostFunctionTable.Empty, HostFunctionTable.Empty, HostFunctionGrants.None, "");

    public HostFunction Resolve(string name)
    {
        if (own.TryGet(name, out var function))
            return function;
        if (!host.TryGet(name, out function))
            throw new KeyNotFoundException($"no host function '{name}' for plugin '{plugin}'");
        if (grants.Allows(name))
            return function;
        var capability = $"{HostFunctionGrants.Prefix}:{name}";
        var message = $"plugin '{plugin}' may not call host function '{name}': it needs capability '{capability}'; {string.Format(grantHint, capability)}";
        policy?.Denied(new PolicyDecision($"host function {name}", capability, name, message));
        throw new UnauthorizedAccessException(message);
    }

    public Task<HostPayload> CallAsync(string name, HostPayload argument, TimeSpan timeout)
    {
        var function = Resolve(name);
        // The timeout's timer is armed only for a call that did not finish at once: most functions are synchronous.
        var cancellation = new CancellationTokenSource();
        ValueTask<HostPayload> pending;
        try
        {
            pending = function.InvokeAsync(new HostCall(plugin, instance, name), argument, cancellation.Token);
        }
        catch (Exception e)
        {
            cancellation.Dispose();
            return Task.FromException<HostPayload>(Failure(name, e, cancellation, timeout));
        }
        if (pending.IsCompletedSuccessfully)
        {
            cancellation.Dispose();
            return Task.FromResult(pending.Result);
        }
        cancellation.CancelAfter(timeout);
        return WaitAsync(name, pending, cancellation, timeout);
    }

    private async Task<HostPayload> WaitAsync(string name, ValueTask<HostPayload> pending, CancellationTokenSource cancellation, TimeSpan timeout)
    {
        using (cancellation)
        {
            try
            {
                return await pending.AsTask().WaitAsync(timeout);
            }
            catch (Exception e)
            {
                throw Failure(name, e, cancellation, timeout);
            }
        }
    }

    /// <summary>What the SDK module is to raise for <paramref name="e"/>: TimeoutError, TypeError (a payload it cannot take), or HostFunctionError.</summary>
    private Exception Failure(string name, Exception e, CancellationTokenSource cancellation, TimeSpan timeout)
    {
        if (e is TimeoutException || (e is OperationCanceledException && cancellation.IsCancellationRequested))
            return new TimeoutException($"host function '{name}' did not finish within {timeout}");
        if (e is HostFunctionArgumentException)
            return e;
        failed?.Invoke(name, e);
        return new HostFunctionException(e.Message, e);
    }
}
