using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// The <c>pluginhost</c> module's per-interpreter state (its m_size block). Every object reference here is visited by
/// the module's traverse and cleared by its clear; the binding handle is released by free.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ModuleState
{
    /// <summary>GCHandle to this interpreter's <see cref="IPluginBinding"/>, or 0 when the interpreter has none.</summary>
    internal nint Binding;
    internal nint ContextType;
    internal nint StreamType;
    internal nint Context;

    internal readonly IPluginBinding? Target => Binding == 0 ? null : (IPluginBinding?)GCHandle.FromIntPtr(Binding).Target;

    internal readonly IPluginBinding RequireBinding() =>
        Target ?? throw new InvalidOperationException("pluginhost is not bound to a plugin in this interpreter (it only works inside a plugin run by PluginHost).");
}
