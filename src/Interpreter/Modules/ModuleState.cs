using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// The <c>pluginhost</c> module's per-interpreter state (its m_size block). Every object reference here is visited by
/// the module's traverse and cleared by its clear; the binding handle is released by free.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ModuleState
{
    /// <summary>GCHandle to this interpreter's <see cref="InterpreterBinding"/>, or 0 when the interpreter has none.</summary>
    internal nint Binding;
    internal nint ContextType;
    internal nint StreamType;
    internal nint MessageType;

    /// <summary>The subclass of <see cref="MessageType"/> for pooled payloads, decoded on first read (not in the module's namespace).</summary>
    internal nint LazyMessageType;
    internal nint Context;

    /// <summary>dict: handler id (int) → callable, for subscriptions; id 0 is the plugin's direct handler.</summary>
    internal nint Handlers;

    /// <summary>Bumped whenever <see cref="Handlers"/> changes, so a dispatcher may keep a borrowed handler while it is unchanged.</summary>
    internal long HandlersVersion;

    /// <summary>
    /// The last handler a dispatcher looked up, borrowed from <see cref="Handlers"/> (not a reference of its own: not
    /// visited or cleared); valid only while <see cref="HandlersVersion"/> equals <see cref="LastHandlerVersion"/>.
    /// </summary>
    internal nint LastHandler;
    internal long LastHandlerVersion;
    internal int LastHandlerId;

    /// <summary>
    /// A <c>pluginhost.Message</c> no Python code holds, kept for the next delivery (see <see cref="MessageType.Recycle"/>);
    /// 0 when none. Untracked by the GC while parked, so <c>gc.get_objects()</c> cannot reach it.
    /// </summary>
    internal nint SpareMessage;

    /// <summary>json.dumps / json.loads of this interpreter, imported on first use.</summary>
    internal nint JsonDumps;
    internal nint JsonLoads;

    /// <summary>The prelude's <c>HostFunctionError</c> class, raised when a host function throws.</summary>
    internal nint HostFunctionError;

    /// <summary><c>pluginhost._AsyncStep</c> (<see cref="AsyncStepType"/>; not in the module's namespace).</summary>
    internal nint AsyncStepType;

    /// <summary>
    /// A tuple of interned names an async step (<see cref="SdkModule.RunStep"/>) looks up in the module's namespace
    /// and on the loop every message, made once at exec.
    /// </summary>
    internal nint StepNames;

    /// <summary>
    /// The loop a step set running (a reference of its own), and the <c>_set_running_loop</c> it used; 0 when none.
    /// Between steps only within a dispatcher's batch (<see cref="SdkModule.EndBatchStep"/>).
    /// </summary>
    internal nint StepLoop;
    internal nint StepSetRunningLoop;

    /// <summary>The thread that set <see cref="StepLoop"/> running (the interpreter's own: only the dispatcher does).</summary>
    internal nuint StepThread;

    internal long NextId;

    internal readonly InterpreterBinding? Target => Binding == 0 ? null : (InterpreterBinding?)GCHandle.FromIntPtr(Binding).Target;

    internal readonly InterpreterBinding RequireTarget() =>
        Target ?? throw PythonError.Runtime("pluginhost is not bound to a plugin in this interpreter (it only works inside a plugin run by PluginHost).");

    internal readonly IPluginBinding RequireBinding() => RequireTarget().Plugin;
}
