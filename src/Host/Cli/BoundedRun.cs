using System.Globalization;
using PluginHost.Interpreter;

namespace PluginHost.Host.Cli;

/// <summary>
/// For <c>check</c> and <c>validate</c>, which CI pipelines run, where a hang is worse than a failure: a plugin's code
/// runs within <c>PluginHost:CheckTimeout</c>, then is interrupted as <c>StartTimeout</c> interrupts a start; code
/// stuck in C (which an interrupt cannot reach) leaves its interpreter abandoned, and the command still returns.
/// </summary>
internal static class BoundedRun
{
    /// <summary>How long interrupted code gets to return, and an interpreter to end, before it is abandoned.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The work's result, or Finished = false when it overran <paramref name="timeout"/> (it was interrupted).</summary>
    public static async Task<(bool Finished, T? Result)> RunAsync<T>(SubInterpreter interpreter, Func<InterpreterScope, T> work, TimeSpan timeout)
    {
        var task = interpreter.InvokeAsync(work);
        try
        {
            return (true, await task.WaitAsync(timeout));
        }
        catch (TimeoutException)
        {
            // Not awaited: code looping in C holds the GIL the interrupt needs.
            _ = interpreter.InterruptAsync(() => !task.IsCompleted);
        }
        try
        {
            await task.WaitAsync(Grace);
        }
        catch (Exception)
        {
            // Interrupted (it raised), or still stuck: either way it did not finish in time.
        }
        if (!task.IsCompleted)
            interpreter.Abandon($"it did not return within {Grace} of being interrupted (stuck in native code)");
        return (false, default);
    }

    /// <summary>Ends <paramref name="interpreter"/>, or abandons it after <see cref="Grace"/>.</summary>
    public static async Task EndAsync(SubInterpreter interpreter)
    {
        try
        {
            await interpreter.DisposeAsync().AsTask().WaitAsync(Grace);
        }
        catch (TimeoutException)
        {
            interpreter.Abandon($"it did not end within {Grace}");
        }
    }

    public static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
