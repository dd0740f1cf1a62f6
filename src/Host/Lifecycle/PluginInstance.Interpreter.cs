using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Lifecycle;

// The calls that create and steer an interpreter (through the IInstanceRuntime contract) in one place (ending and abandoning one are
// in PluginInstance.Abandon.cs): what changes when the instance runs on another kind of runtime.
internal sealed partial class PluginInstance
{
    /// <summary>A fresh interpreter for this instance; its threads get StopBudget.ThreadEndTimeout to stop at its end.</summary>
    private Task<IInstanceRuntime> CreateInterpreterAsync(InterpreterPolicy policy) =>
        _runtime!.StartAsync(new InterpreterOptions { Name = $"plugin:{Name}/{Number}", ThreadEndTimeout = StopBudget.ThreadEndTimeout(_stopTimeout) }, _binding, policy);

    /// <summary>
    /// Interrupts the interpreter's code while <paramref name="still"/> holds. Not awaited: code looping in C holds
    /// its GIL, which the interrupt needs, for ever.
    /// </summary>
    private static void Interrupt(IInstanceRuntime interpreter, Func<bool> still) => _ = interpreter.InterruptAsync(still);
}
