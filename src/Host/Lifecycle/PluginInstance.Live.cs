using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Lifecycle;

// A live change's replacement (PluginSupervisor.Live.cs) starts once, beside the instances it is to replace, with no
// restart policy: if it cannot run, it withdraws, hands back what it was given, and they carry on serving.
internal sealed partial class PluginInstance
{
    /// <summary>Starts once, without restarts: null when it runs, else why not (already logged). On failure call <see cref="WithdrawAsync"/>.</summary>
    public async Task<string?> TryStartAsync(IInstanceRuntimeFactory runtime, TimeSpan timeout, TimeSpan handlerTimeout, CancellationToken cancellationToken)
    {
        Prepare(runtime, timeout, handlerTimeout);
        try
        {
            var failure = await StartInterpreterAsync(cancellationToken);
            return failure ?? (State == PluginState.Running ? null : "it stopped itself while starting (sys.exit(0))");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "the host is stopping";
        }
    }

    /// <summary>
    /// A replacement that did not start: no new messages; those routed to it while it started go to the plugin's other
    /// instances (dropped, counted and logged, only when none has room); then it stops like any instance.
    /// </summary>
    public async Task WithdrawAsync(StopBudget budget)
    {
        _address.Dispose();
        _inbox.Close();
        if (_inbox.HandBackRemaining($"plugin {Name}/{Number} did not start, and no other instance had room") is > 0 and var count)
            _hostLogger.MessagesHandedBack(Name, Number, count);
        await StopAsync(budget);
    }
}
