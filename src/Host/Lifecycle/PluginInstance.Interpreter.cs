using PluginHost.Host.Isolation;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Host.Lifecycle;

// The calls that create and steer an interpreter (through the IInstanceRuntime contract) in one place (ending and abandoning one are
// in PluginInstance.Abandon.cs): what changes when the instance runs on another kind of runtime.
internal sealed partial class PluginInstance
{
    private WorkerRuntimeFactory? _workers;

    /// <summary>
    /// A fresh interpreter for this instance — a subinterpreter of this process, or a worker process for isolation
    /// "process" — whose threads get StopBudget.ThreadEndTimeout to stop at its end.
    /// </summary>
    private async Task<IInstanceRuntime> CreateInterpreterAsync(InterpreterPolicy policy)
    {
        var options = new InterpreterOptions { Name = $"plugin:{Name}/{Number}", ThreadEndTimeout = StopBudget.ThreadEndTimeout(_stopTimeout) };
        if (_isolation is null)
        {
            _cannotHeal = _isolationError;   // the same value at every restart
            throw new InvalidOperationException(_isolationError);
        }
        if (_isolation != IsolationMode.Process)
            return await _runtime!.StartAsync(options, _binding, policy);
        _workers ??= new WorkerRuntimeFactory((_runtime as PythonRuntime)?.Installation.LibraryPath, _hostLogger, _workerSandboxes, _memoryLimit);
        var worker = (WorkerRuntime)await _workers.StartAsync(options, _binding, policy);
        // A worker that dies (a native crash, an OOM kill) is a failed interpreter: restarted under the restart policy;
        // its in-flight message was reported Failed, the rest wait in the inbox.
        worker.OnLost = lost => RequestRestart(lost, lost.Lost!, Retire.NotStarted, "worker-lost");
        return worker;
    }

    /// <summary>
    /// Isolation "auto": a start that failed because an extension module cannot load in a subinterpreter moves the
    /// instance to a worker process from then on (said once); the restart policy starts it there. True when it did.
    /// </summary>
    private bool FallsBackToWorker(Exception e)
    {
        if (_isolation != IsolationMode.Auto || e is not PythonException { PythonType: StartFailures.CannotStartType } python
            || !python.PythonMessage.Contains("does not support loading in subinterpreters", StringComparison.Ordinal))
            return false;
        _isolation = IsolationMode.Process;
        _hostLogger.WorkerFallback(Name, Number, python.PythonMessage.Split(" — ")[0]);
        return true;
    }

    /// <summary>
    /// Interrupts the interpreter's code while <paramref name="still"/> holds. Not awaited: code looping in C holds
    /// its GIL, which the interrupt needs, for ever.
    /// </summary>
    private static void Interrupt(IInstanceRuntime interpreter, Func<bool> still) => _ = interpreter.InterruptAsync(still);
}
