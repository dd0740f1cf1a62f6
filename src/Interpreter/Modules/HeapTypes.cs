using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// What the module's GC heap types (<see cref="ContextType"/>, <see cref="StreamType"/>, <see cref="MessageType"/>,
/// <see cref="AsyncStepType"/>) share: their spec's flags and the end of their dealloc.
/// </summary>
internal static unsafe class HeapTypes
{
    /// <summary>GC-tracked, immutable, not instantiable from Python.</summary>
    private const uint Flags = Interop.Py_TPFLAGS_DEFAULT | Interop.Py_TPFLAGS_HAVE_GC | Interop.Py_TPFLAGS_IMMUTABLETYPE | Interop.Py_TPFLAGS_DISALLOW_INSTANTIATION;

    /// <summary>An immortal PyType_Spec (built once per process: definitions only, no state) over <paramref name="slots"/>.</summary>
    internal static nint Spec(string name, int basicSize, PyTypeSlot* slots, uint extraFlags = 0)
    {
        var spec = NativeMemoryBlock.Array<PyTypeSpec>(1);
        *spec = new PyTypeSpec
        {
            Name = NativeMemoryBlock.Utf8(name),
            BasicSize = basicSize,
            Flags = Flags | extraFlags,
            Slots = (nint)slots,
        };
        return (nint)spec;
    }

    /// <summary>
    /// The end of a dealloc, once the instance is untracked and cleared (CPython's _abc.c): the type's tp_free, then
    /// the reference to its type that a heap type's instance holds.
    /// </summary>
    internal static void Free(nint self, nint type)
    {
        ((delegate* unmanaged<nint, void>)Interop.TypeSlot(type, Interop.Py_tp_free))(self);
        Interop.DecRef(type);
    }
}
