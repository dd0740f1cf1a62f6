using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// The <c>pluginhost</c> module plugins import, defined in C# the way CPython's notes prescribe for subinterpreters:
/// multi-phase init (PEP 489) with an exec slot, all state in the module's state block (no C or .NET statics),
/// heap types made per module with <c>PyType_FromModuleAndSpec</c>, symmetric traverse/clear, free releasing the
/// managed handle, and <c>Py_mod_multiple_interpreters = Py_MOD_PER_INTERPRETER_GIL_SUPPORTED</c>.
/// One definition is registered before initialisation; each interpreter that imports it gets its own module object,
/// state and type objects.
/// </summary>
internal static unsafe partial class SdkModule
{
    internal const string Name = "pluginhost";

    /// <summary>Key in the per-interpreter dict (PyInterpreterState_GetDict) holding the binding's GCHandle.</summary>
    internal const string BindingKey = "pluginhost.binding";

    /// <summary>Handler id of the plugin's handler for messages addressed to it rather than to a subscribed topic.</summary>
    internal const int DirectHandlerId = Contract.HandlerIds.Direct;

    // Python-level helpers (decorators, asyncio glue) run in the module's namespace, loaded marshalled after the first
    // interpreter compiled them: 0.04 ms instead of 2 ms for 300 lines — at 1,024 instances, a second of start.
    private static readonly HostCode Prelude = new(ReadPrelude(), "<pluginhost>");

    // The immortal PyModuleDef: process-wide by CPython's design (like a C module's static definition), written once
    // before Py_Initialize and never changed. It holds no interpreter state.
    private static nint s_definition;

    /// <summary>Builds the definition and adds it to the inittab. Before initialisation only.</summary>
    internal static void Register()
    {
        if (s_definition != 0)
            return;
        var methods = NativeMemoryBlock.Array<PyMethodDef>(3 + MessagingMethodCount + HostCallMethodCount + TracingMethodCount + StepMethodCount + CompileMethodCount + RegexMethodCount);
        AddMessagingMethods(methods + 2);
        AddHostCallMethods(methods + 2 + MessagingMethodCount);
        AddTracingMethods(methods + 2 + MessagingMethodCount + HostCallMethodCount);
        AddStepMethods(methods + 2 + MessagingMethodCount + HostCallMethodCount + TracingMethodCount);
        AddCompileMethods(methods + 2 + MessagingMethodCount + HostCallMethodCount + TracingMethodCount + StepMethodCount);
        AddRegexMethods(methods + 2 + MessagingMethodCount + HostCallMethodCount + TracingMethodCount + StepMethodCount + CompileMethodCount);
        methods[0] = Method("log", (delegate* unmanaged<nint, nint*, nint, nint>)&Log, Interop.METH_FASTCALL, "log(level, message, logger='') -> None\n\nSends a record to the host's log at a Python logging level.");
        methods[1] = Method("context", (delegate* unmanaged<nint, nint, nint>)&GetContext, Interop.METH_NOARGS, "context() -> Context\n\nThis plugin instance's context.");
        var slots = NativeMemoryBlock.Array<PyModuleDefSlot>(3);
        slots[0] = new PyModuleDefSlot { Slot = Interop.Py_mod_exec, Value = (nint)(delegate* unmanaged<nint, int>)&Exec };
        slots[1] = new PyModuleDefSlot { Slot = Interop.Py_mod_multiple_interpreters, Value = Interop.Py_MOD_PER_INTERPRETER_GIL_SUPPORTED };
        var definition = NativeMemoryBlock.Array<PyModuleDef>(1);
        *definition = new PyModuleDef
        {
            RefCount = unchecked((nint)uint.MaxValue),   // _Py_IMMORTAL_REFCNT on 64-bit 3.12/3.13
            Name = NativeMemoryBlock.Utf8(Name),
            Doc = NativeMemoryBlock.Utf8("The PluginHost SDK: this plugin's identity, settings, logging, messages and host functions."),
            Size = sizeof(ModuleState),
            Methods = (nint)methods,
            Slots = (nint)slots,
            Traverse = (nint)(delegate* unmanaged<nint, nint, nint, int>)&Traverse,
            Clear = (nint)(delegate* unmanaged<nint, int>)&Clear,
            Free = (nint)(delegate* unmanaged<nint, void>)&Free,
        };
        s_definition = (nint)definition;
        if (!Interop.AppendInittab(NativeMemoryBlock.Utf8(Name), (nint)(delegate* unmanaged<nint>)&Init))
            throw new InvalidOperationException("PyImport_AppendInittab failed for the pluginhost module.");
    }

    internal static PyMethodDef Method(string name, void* function, int flags, string doc) => new()
    {
        Name = NativeMemoryBlock.Utf8(name),
        Function = (nint)function,
        Flags = flags,
        Doc = NativeMemoryBlock.Utf8(doc),
    };

    /// <summary>Stores the binding's handle in the attached interpreter's dict, where exec finds it.</summary>
    internal static void Bind(nint bindingHandle)
    {
        var dict = Interop.InterpreterDict();
        using var value = Interop.NewPointer(bindingHandle);
        Interop.DictSet(dict, BindingKey, value.Borrow());
    }

    internal static ModuleState* State(nint module)
    {
        var state = (ModuleState*)Interop.ModuleState(module);
        return state != null ? state : throw PythonException.FetchCurrent();
    }

    [UnmanagedCallersOnly]
    private static nint Init() => Interop.ModuleDefInit(s_definition);

    [UnmanagedCallersOnly]
    private static int Exec(nint module)
    {
        try
        {
            var state = State(module);
            state->ContextType = AddType(module, ContextType.Spec, "Context");
            state->StreamType = AddType(module, StreamType.Spec, "Stream");
            state->MessageType = AddType(module, MessageType.Spec, "Message");
            state->LazyMessageType = Interop.NewHeapType(module, MessageType.LazySpec, state->MessageType).Steal();
            state->AsyncStepType = Interop.NewHeapType(module, AsyncStepType.Spec, 0).Steal();
            state->Handlers = Interop.NewDict().Steal();
            var binding = FindBinding();
            if (binding is not null)
                state->Binding = GCHandle.ToIntPtr(GCHandle.Alloc(binding));
            state->Context = ContextType.Create(state->ContextType, binding?.Plugin);
            AddStream(module, state->StreamType, "stdout", error: false);
            AddStream(module, state->StreamType, "stderr", error: true);
            var namespace_ = Interop.ModuleDict(new BorrowedRef(module));
            Prelude.Run(namespace_);
            state->JsonDumps = Interop.GetAttr(new BorrowedRef(module), "_encode_json").Steal();
            state->JsonLoads = Interop.GetAttr(new BorrowedRef(module), "_decode_json").Steal();
            state->HostFunctionError = Interop.GetAttr(new BorrowedRef(module), "HostFunctionError").Steal();
            state->StepNames = NewStepNames();
            // Where the audit hook finds the class it raises for a denied import (out of the plugin's reach).
            using (var importDenied = Interop.GetAttr(new BorrowedRef(module), "ImportDenied"))
                Interop.DictSet(Interop.InterpreterDict(), Policy.ImportDenial.ClassKey, importDenied.Borrow());
            return 0;
        }
        catch (Exception e)
        {
            return Firewall.MinusOne(e);
        }
    }

    private static nint AddType(nint module, nint spec, string name)
    {
        var type = Interop.NewHeapType(module, spec, 0).Steal();
        Interop.AddModuleObject(module, name, new BorrowedRef(type));
        return type;
    }

    private static void AddStream(nint module, nint type, string name, bool error)
    {
        using var stream = StreamType.Create(type, error);
        Interop.AddModuleObject(module, name, stream.Borrow());
    }

    private static InterpreterBinding? FindBinding()
    {
        var dict = Interop.InterpreterDict();
        var handle = Interop.DictGet(dict, BindingKey);
        return handle.IsNull ? null : (InterpreterBinding?)GCHandle.FromIntPtr(Interop.AsPointer(handle)).Target;
    }

    private static string ReadPrelude()
    {
        using var stream = typeof(SdkModule).Assembly.GetManifestResourceStream("PluginHost.Interpreter.Modules.prelude.py")
            ?? throw new InvalidOperationException("prelude.py is not embedded in the interpreter assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [UnmanagedCallersOnly]
    private static int Traverse(nint module, nint visit, nint arg)
    {
        var state = (ModuleState*)Interop.ModuleState(module);
        if (state == null)
            return 0;
        var visitor = (delegate* unmanaged<nint, nint, int>)visit;
        // On the stack: the collector's callback must not allocate (nor, therefore, throw OutOfMemoryException).
        ReadOnlySpan<nint> references = stackalloc nint[] { state->ContextType, state->StreamType, state->MessageType, state->LazyMessageType, state->Context, state->Handlers, state->JsonDumps, state->JsonLoads, state->HostFunctionError, state->SpareMessage, state->AsyncStepType, state->StepNames, state->StepLoop, state->StepSetRunningLoop };
        foreach (var reference in references)
        {
            if (reference != 0 && visitor(reference, arg) is var result and not 0)
                return result;
        }
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int Clear(nint module)
    {
        ClearState(module);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void Free(nint module)
    {
        try
        {
            var state = ClearState(module);
            if (state != null && state->Binding != 0)
            {
                var binding = state->Binding;
                state->Binding = 0;
                GCHandle.FromIntPtr(binding).Free();
            }
        }
        catch (Exception e)
        {
            Firewall.Unraisable(e, "pluginhost module free");
        }
    }

    private static ModuleState* ClearState(nint module)
    {
        var state = (ModuleState*)Interop.ModuleState(module);
        if (state == null)
            return null;
        ClearSlot(ref state->SpareMessage);
        ClearSlot(ref state->Context);
        state->HandlersVersion++;
        state->LastHandler = 0;
        ClearSlot(ref state->Handlers);
        ClearSlot(ref state->JsonDumps);
        ClearSlot(ref state->JsonLoads);
        ClearSlot(ref state->HostFunctionError);
        ClearSlot(ref state->StepLoop);
        ClearSlot(ref state->StepSetRunningLoop);
        ClearSlot(ref state->StepNames);
        ClearSlot(ref state->AsyncStepType);
        ClearSlot(ref state->LazyMessageType);
        ClearSlot(ref state->MessageType);
        ClearSlot(ref state->StreamType);
        ClearSlot(ref state->ContextType);
        return state;
    }

    /// <summary>Py_CLEAR: null the slot before the decref, which may run arbitrary code.</summary>
    internal static void ClearSlot(ref nint slot)
    {
        var old = slot;
        slot = 0;
        Interop.DecRef(old);
    }

    [UnmanagedCallersOnly]
    private static nint Log(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs is < 2 or > 3)
                throw PythonError.Type($"log() takes 2 or 3 arguments (level, message, logger=''), {nargs} given");
            var level = Interop.AsLong(new BorrowedRef(args[0])) ?? throw PythonError.Value("log() level is out of range");
            var binding = State(module)->RequireBinding();
            var message = Bounded(new BorrowedRef(args[1]), binding.MaxOutputLength);
            var logger = nargs == 3 ? Bounded(new BorrowedRef(args[2]), MaxLoggerName) : "";
            binding.Log((int)level, logger, message);
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    // A logger's name is a dotted module path; one longer than this is cut like an overlong record.
    private const int MaxLoggerName = 256;

    /// <summary>str(<paramref name="value"/>), of which at most <paramref name="limit"/> characters are copied out of Python.</summary>
    private static string Bounded(BorrowedRef value, int limit)
    {
        using var text = Interop.StrObject(value);
        var head = Interop.AsStringPrefix(text.Borrow(), limit, out var dropped);
        return dropped == 0 ? head : PluginOutput.Marker(head, dropped, limit);
    }

    [UnmanagedCallersOnly]
    private static nint GetContext(nint module, nint unused)
    {
        try
        {
            var context = State(module)->Context;
            Interop.IncRef(context);
            return context;
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }
}
