using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// <c>pluginhost._AsyncStep</c>: what the prelude subscribes for an <c>async def</c> handler whose own code never
/// waits (<c>_never_waits</c>). A GC heap type holding the coroutine function; the dispatcher recognises it by type
/// and runs its one step natively (<see cref="SdkModule.RunStep"/>); called from Python, it does the same.
/// Dealloc follows CPython's _abc.c, as <see cref="ContextType"/> does.
/// </summary>
internal static unsafe class AsyncStepType
{
    [StructLayout(LayoutKind.Sequential)]
    private struct AsyncStepObject
    {
        internal nint RefCount;
        internal nint Type;
        internal nint Handler;
    }

    private static nint s_spec;

    /// <summary>The immortal PyType_Spec, built once per process (definitions only, no state).</summary>
    internal static nint Spec => s_spec != 0 ? s_spec : s_spec = BuildSpec();

    private static nint BuildSpec()
    {
        var members = NativeMemoryBlock.Array<PyMemberDef>(2);
        members[0] = new PyMemberDef
        {
            Name = NativeMemoryBlock.Utf8("__wrapped__"),
            Type = Interop.Py_T_OBJECT_EX,
            Offset = Marshal.OffsetOf<AsyncStepObject>(nameof(AsyncStepObject.Handler)),
            Flags = Interop.Py_READONLY,
            Doc = NativeMemoryBlock.Utf8("The async def handler."),
        };
        var slots = NativeMemoryBlock.Array<PyTypeSlot>(7);
        slots[0] = new PyTypeSlot { Slot = Interop.Py_tp_dealloc, Function = (nint)(delegate* unmanaged<nint, void>)&Dealloc };
        slots[1] = new PyTypeSlot { Slot = Interop.Py_tp_traverse, Function = (nint)(delegate* unmanaged<nint, nint, nint, int>)&Traverse };
        slots[2] = new PyTypeSlot { Slot = Interop.Py_tp_clear, Function = (nint)(delegate* unmanaged<nint, int>)&Clear };
        slots[3] = new PyTypeSlot { Slot = Interop.Py_tp_members, Function = (nint)members };
        slots[4] = new PyTypeSlot { Slot = Interop.Py_tp_call, Function = (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Call };
        slots[5] = new PyTypeSlot { Slot = Interop.Py_tp_doc, Function = NativeMemoryBlock.Utf8("An async def handler that never waits, run in one step.") };
        return HeapTypes.Spec("pluginhost._AsyncStep", sizeof(AsyncStepObject), slots);
    }

    /// <summary>A new instance holding <paramref name="handler"/> (borrowed): a new reference.</summary>
    internal static NewRef Create(nint type, BorrowedRef handler)
    {
        var self = Interop.GenericAlloc(type);
        Interop.IncRef(handler.Pointer);
        ((AsyncStepObject*)self.Pointer)->Handler = handler.Pointer;
        return self;
    }

    /// <summary>The handler of an instance (borrowed).</summary>
    internal static nint HandlerOf(nint self) => ((AsyncStepObject*)self)->Handler;

    // handler(message), called from Python (the dispatcher calls RunStep itself): args a tuple, kwargs a dict or NULL.
    [UnmanagedCallersOnly]
    private static nint Call(nint self, nint args, nint kwargs)
    {
        try
        {
            if (Interop.NoThrow.PyTuple_Size(args) != 1 || (kwargs != 0 && Interop.DictSize(new BorrowedRef(kwargs)) != 0))
                throw PythonError.Type("an async handler takes one argument (the message)");
            var module = Interop.TypeModule(Interop.TypeOf(self));   // borrowed: the type holds its module
            return SdkModule.RunStep(module, HandlerOf(self), Interop.NoThrow.PyTuple_GetItem(args, 0), batch: false);
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int Traverse(nint self, nint visit, nint arg)
    {
        var o = (AsyncStepObject*)self;
        var visitor = (delegate* unmanaged<nint, nint, int>)visit;
        if (o->Type != 0 && visitor(o->Type, arg) is var result and not 0)
            return result;
        return o->Handler != 0 ? visitor(o->Handler, arg) : 0;
    }

    [UnmanagedCallersOnly]
    private static int Clear(nint self)
    {
        SdkModule.ClearSlot(ref ((AsyncStepObject*)self)->Handler);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void Dealloc(nint self)
    {
        var type = ((AsyncStepObject*)self)->Type;
        Interop.GcUntrack(self);
        SdkModule.ClearSlot(ref ((AsyncStepObject*)self)->Handler);
        HeapTypes.Free(self, type);
    }
}
