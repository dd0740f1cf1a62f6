using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// <c>pluginhost.Context</c>: a GC heap type holding this plugin instance's name, instance number and settings.
/// Dealloc follows CPython's _abc.c: untrack, clear, tp_free, then drop the reference the instance held on its type.
/// </summary>
internal static unsafe class ContextType
{
    [StructLayout(LayoutKind.Sequential)]
    private struct ContextObject
    {
        internal nint RefCount;
        internal nint Type;
        internal nint Name;
        internal nint Instance;
        internal nint Settings;
    }

    private static nint s_spec;

    /// <summary>The immortal PyType_Spec, built once per process (definitions only, no state).</summary>
    internal static nint Spec => s_spec != 0 ? s_spec : s_spec = BuildSpec();

    private static nint BuildSpec()
    {
        var members = NativeMemoryBlock.Array<PyMemberDef>(4);
        members[0] = Member("name", nameof(ContextObject.Name), "The plugin's name from its manifest.");
        members[1] = Member("instance", nameof(ContextObject.Instance), "This instance's number, from 0.");
        members[2] = Member("settings", nameof(ContextObject.Settings), "Settings: manifest defaults with configuration overrides (a copy).");
        var methods = NativeMemoryBlock.Array<PyMethodDef>(2);
        methods[0] = SdkModule.Method("log", (delegate* unmanaged<nint, nint, nint*, nint, nint, nint>)&Log,
            Interop.METH_METHOD | Interop.METH_FASTCALL | Interop.METH_KEYWORDS, "log(level, message) -> None");
        var slots = NativeMemoryBlock.Array<PyTypeSlot>(7);
        slots[0] = new PyTypeSlot { Slot = Interop.Py_tp_dealloc, Function = (nint)(delegate* unmanaged<nint, void>)&Dealloc };
        slots[1] = new PyTypeSlot { Slot = Interop.Py_tp_traverse, Function = (nint)(delegate* unmanaged<nint, nint, nint, int>)&Traverse };
        slots[2] = new PyTypeSlot { Slot = Interop.Py_tp_clear, Function = (nint)(delegate* unmanaged<nint, int>)&Clear };
        slots[3] = new PyTypeSlot { Slot = Interop.Py_tp_members, Function = (nint)members };
        slots[4] = new PyTypeSlot { Slot = Interop.Py_tp_methods, Function = (nint)methods };
        slots[5] = new PyTypeSlot { Slot = Interop.Py_tp_doc, Function = NativeMemoryBlock.Utf8("The context of one plugin instance.") };
        return HeapTypes.Spec("pluginhost.Context", sizeof(ContextObject), slots);
    }

    private static PyMemberDef Member(string name, string field, string doc) => new()
    {
        Name = NativeMemoryBlock.Utf8(name),
        Type = Interop.Py_T_OBJECT_EX,
        Offset = Marshal.OffsetOf<ContextObject>(field),
        Flags = Interop.Py_READONLY,
        Doc = NativeMemoryBlock.Utf8(doc),
    };

    /// <summary>A new Context (new reference); unbound interpreters get name None, instance 0 and empty settings.</summary>
    internal static nint Create(nint type, IPluginBinding? binding)
    {
        var self = Interop.GenericAlloc(type);
        try
        {
            var o = (ContextObject*)self.Pointer;
            o->Name = (binding is null ? Interop.NewNone() : Interop.NewString(binding.PluginName)).Steal();
            o->Instance = Interop.NewLong(binding?.Instance ?? 0).Steal();
            o->Settings = PyConvert.ToPython(new Dictionary<string, object?>(binding?.Settings ?? new Dictionary<string, object?>())).Steal();
            return self.Steal();
        }
        catch
        {
            self.Dispose();   // dealloc clears what was set
            throw;
        }
    }

    [UnmanagedCallersOnly]
    private static nint Log(nint self, nint definingClass, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            if (nargs != 2 || kwnames != 0)
                throw PythonError.Type("Context.log() takes exactly 2 positional arguments (level, message)");
            var state = (ModuleState*)Interop.TypeModuleState(definingClass);
            if (state == null)
                throw PythonException.FetchCurrent();
            var level = Interop.AsLong(new BorrowedRef(args[0])) ?? throw PythonError.Value("log() level is out of range");
            state->RequireBinding().Log((int)level, "", Interop.Str(new BorrowedRef(args[1])));
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int Traverse(nint self, nint visit, nint arg)
    {
        var o = (ContextObject*)self;
        var visitor = (delegate* unmanaged<nint, nint, int>)visit;
        // Heap type instances own a reference to their type and must visit it. On the stack: no allocation, no throw.
        ReadOnlySpan<nint> references = stackalloc nint[] { o->Type, o->Name, o->Instance, o->Settings };
        foreach (var reference in references)
        {
            if (reference != 0 && visitor(reference, arg) is var result and not 0)
                return result;
        }
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int Clear(nint self)
    {
        ClearFields((ContextObject*)self);
        return 0;
    }

    private static void ClearFields(ContextObject* o)
    {
        SdkModule.ClearSlot(ref o->Name);
        SdkModule.ClearSlot(ref o->Instance);
        SdkModule.ClearSlot(ref o->Settings);
    }

    [UnmanagedCallersOnly]
    private static void Dealloc(nint self)
    {
        var type = ((ContextObject*)self)->Type;
        Interop.GcUntrack(self);
        ClearFields((ContextObject*)self);
        HeapTypes.Free(self, type);
    }
}
