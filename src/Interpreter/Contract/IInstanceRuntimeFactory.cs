using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Contract;

/// <summary>Makes a fresh <see cref="IInstanceRuntime"/> for one plugin instance (the <see cref="PythonRuntime"/>: a subinterpreter).</summary>
public interface IInstanceRuntimeFactory
{
    /// <summary>Whether <see cref="IInstanceRuntime.LargeBytes"/> is counted (memory limits then see large objects).</summary>
    bool LargeAllocationsTracked { get; }

    /// <summary>
    /// Starts a runtime whose <c>pluginhost</c> module calls <paramref name="binding"/>, confined by
    /// <paramref name="policy"/> from its first statement. Completes when it can run work; faults when it cannot be made.
    /// </summary>
    Task<IInstanceRuntime> StartAsync(InterpreterOptions options, IPluginBinding binding, InterpreterPolicy? policy);
}
