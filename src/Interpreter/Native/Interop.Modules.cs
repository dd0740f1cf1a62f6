using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Native module and heap type machinery (moduleobject.h, object.h, objimpl.h, pystate.h).
internal static unsafe partial class Interop
{
    /// <summary>Registers the definition's index and returns it as an object (borrowed: the definition is immortal).</summary>
    [LibraryImport(Library)]
    private static partial nint PyModuleDef_Init(nint definition);

    /// <summary>The module's state block (owned by the module), NULL with an exception set when it is not a module.</summary>
    [LibraryImport(Library)]
    private static partial nint PyModule_GetState(nint module);

    /// <summary>The state of the module that defined <paramref name="type"/> (PEP 573); NULL with an exception set when none.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_GetModuleState(nint type);

    /// <summary>The module that defined <paramref name="type"/> (PEP 573), borrowed; NULL with TypeError when none.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_GetModule(nint type);

    /// <summary>New reference to a heap type bound to <paramref name="module"/>, NULL on error. <paramref name="bases"/> may be NULL.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_FromModuleAndSpec(nint module, nint spec, nint bases);

    /// <summary>Adds <paramref name="value"/> as attribute; does not steal. 0 on success, -1 on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PyModule_AddObjectRef(nint module, string name, nint value);

    /// <summary>The slot's function pointer (e.g. tp_free), NULL when absent. Cannot fail on a heap type.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_GetSlot(nint type, int slot);

    /// <summary>New reference to a zeroed instance (GC-tracked when the type has Py_TPFLAGS_HAVE_GC), NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyType_GenericAlloc(nint type, nint items);

    /// <summary>Cannot fail. No GC transition: it unlinks a list node (never calls back into .NET, never blocks).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial void PyObject_GC_UnTrack(nint o);

    /// <summary>
    /// Cannot fail; the object must not be tracked already (a fatal error otherwise). No GC transition: it links a
    /// list node (a collection it makes due runs later, from the eval loop, not in this call).
    /// </summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial void PyObject_GC_Track(nint o);

    /// <summary>
    /// Borrowed per-interpreter dict "for extension modules to store interpreter-specific state"; never NULL after
    /// initialisation. This is where the host's binding for the interpreter lives, not in a .NET static.
    /// </summary>
    [LibraryImport(Library)]
    private static partial nint PyInterpreterState_GetDict(nint interp);

    /// <summary>New reference, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyLong_FromVoidPtr(nint p);

    /// <summary>NULL with an exception set on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyLong_AsVoidPtr(nint o);

    internal static NewRef NewPointer(nint p) => CheckNew(PyLong_FromVoidPtr(p));

    internal static nint AsPointer(BorrowedRef o)
    {
        var p = PyLong_AsVoidPtr(o.Pointer);
        if (p == 0 && PyErr_Occurred() != 0)
            throw PythonException.FetchCurrent();
        return p;
    }

    /// <summary>Fills a read-only buffer view of <paramref name="buffer"/> exported by <paramref name="exporter"/> (new reference in view.obj); 0 or -1.</summary>
    [LibraryImport(Library)]
    private static partial int PyBuffer_FillInfo(PyBuffer* view, nint exporter, nint buffer, nint length, int readOnly, int flags);

    /// <summary>Initialises a module definition (immortal, lives for the process); borrowed result. Cannot fail.</summary>
    internal static nint ModuleDefInit(nint definition) => PyModuleDef_Init(definition);

    /// <summary>The state block of a module made from our definition (owned by the module). Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint ModuleState(nint module) => PyModule_GetState(module);

    /// <summary>
    /// The state of the module that defined <paramref name="type"/> (PEP 573); NULL with an exception set when it is
    /// none of ours' heap types. Never throws: callers pass a type our module made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint TypeModuleState(nint type) => PyType_GetModuleState(type);

    /// <summary>The module that made <paramref name="type"/> (borrowed); throws when it has none.</summary>
    internal static nint TypeModule(nint type) => CheckBorrowed(PyType_GetModule(type));

    /// <summary>A heap type bound to <paramref name="module"/> (<paramref name="bases"/> may be 0): a new reference.</summary>
    internal static NewRef NewHeapType(nint module, nint spec, nint bases) => CheckNew(PyType_FromModuleAndSpec(module, spec, bases));

    /// <summary>Adds <paramref name="value"/> (borrowed: the module takes its own reference) as attribute <paramref name="name"/>.</summary>
    internal static void AddModuleObject(nint module, string name, BorrowedRef value) => CheckInt(PyModule_AddObjectRef(module, name, value.Pointer));

    /// <summary>The slot's function pointer (e.g. tp_free), 0 when absent. Never throws on a heap type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint TypeSlot(nint type, int slot) => PyType_GetSlot(type, slot);

    /// <summary>A zeroed instance of <paramref name="type"/> (GC-tracked when the type has Py_TPFLAGS_HAVE_GC): a new reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static NewRef GenericAlloc(nint type) => CheckNew(PyType_GenericAlloc(type, 0));

    /// <summary>Unlinks <paramref name="o"/> from the GC's list. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void GcUntrack(nint o) => PyObject_GC_UnTrack(o);

    /// <summary>Links <paramref name="o"/> (not tracked yet) into the GC's list. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void GcTrack(nint o) => PyObject_GC_Track(o);

    /// <summary>The attached interpreter's state dict (borrowed, lives as long as the interpreter). Never throws.</summary>
    internal static BorrowedRef InterpreterDict() => new(PyInterpreterState_GetDict(PyInterpreterState_Get()));

    /// <summary>
    /// Fills a read-only view of <paramref name="buffer"/> exported by <paramref name="exporter"/> (a new reference in
    /// view.obj): 0, or -1 with an exception set. Never throws: it runs in a getbuffer slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FillBufferInfo(PyBuffer* view, nint exporter, nint buffer, nint length, int flags) =>
        PyBuffer_FillInfo(view, exporter, buffer, length, 1, flags);

    internal const int Py_mod_exec = 2;
    internal const int Py_mod_multiple_interpreters = 3;
    internal const nint Py_MOD_PER_INTERPRETER_GIL_SUPPORTED = 2;

    internal const int Py_bf_getbuffer = 1;
    internal const int Py_bf_releasebuffer = 2;
    internal const int Py_tp_call = 50;
    internal const int Py_tp_clear = 51;
    internal const int Py_tp_dealloc = 52;
    internal const int Py_tp_doc = 56;
    internal const int Py_tp_methods = 64;
    internal const int Py_tp_repr = 66;
    internal const int Py_tp_traverse = 71;
    internal const int Py_tp_members = 72;
    internal const int Py_tp_getset = 73;
    internal const int Py_tp_free = 74;

    internal const uint Py_TPFLAGS_DISALLOW_INSTANTIATION = 1u << 7;
    internal const uint Py_TPFLAGS_IMMUTABLETYPE = 1u << 8;
    internal const uint Py_TPFLAGS_BASETYPE = 1u << 10;
    internal const uint Py_TPFLAGS_HAVE_GC = 1u << 14;
    internal const uint Py_TPFLAGS_DEFAULT = 1u << 18;

    internal const int METH_VARARGS = 0x1;
    internal const int METH_KEYWORDS = 0x2;
    internal const int METH_NOARGS = 0x4;
    internal const int METH_O = 0x8;
    internal const int METH_FASTCALL = 0x80;
    internal const int METH_METHOD = 0x200;

    internal const int Py_T_OBJECT_EX = 16;
    internal const int Py_READONLY = 1;
}
