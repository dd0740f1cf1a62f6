using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// <c>pluginhost.Stream</c>: a file-like heap type (write/flush) the host installs as a plugin's sys.stdout and
/// sys.stderr so print() reaches the host's log. Its only reference is the one every heap-type instance holds on its
/// type; that still needs GC support, or the collector cannot see the cycle type → module → stream and the module
/// is never freed.
/// </summary>
internal static unsafe partial class StreamType
{
    [StructLayout(LayoutKind.Sequential)]
    private struct StreamObject
    {
        internal nint RefCount;
        internal nint Type;
        internal nint IsError;
        internal nint Pending;        // up to 3 bytes of a UTF-8 sequence a _write_bytes call ended inside
        internal nint PendingLength;
    }

    private const int MethodFlags = Interop.METH_METHOD | Interop.METH_FASTCALL | Interop.METH_KEYWORDS;

    private static nint s_spec;

    internal static nint Spec => s_spec != 0 ? s_spec : s_spec = BuildSpec();

    private static nint BuildSpec()
    {
        var methods = NativeMemoryBlock.Array<PyMethodDef>(6);
        methods[0] = SdkModule.Method("write", (delegate* unmanaged<nint, nint, nint*, nint, nint, nint>)&Write, MethodFlags, "write(text) -> int");
        methods[1] = SdkModule.Method("flush", (delegate* unmanaged<nint, nint, nint>)&Flush, Interop.METH_NOARGS, "flush() -> None");
        methods[2] = SdkModule.Method("isatty", (delegate* unmanaged<nint, nint, nint>)&False, Interop.METH_NOARGS, "isatty() -> False");
        methods[3] = SdkModule.Method("writable", (delegate* unmanaged<nint, nint, nint>)&True, Interop.METH_NOARGS, "writable() -> True");
        methods[4] = SdkModule.Method("_write_bytes", (delegate* unmanaged<nint, nint, nint*, nint, nint, nint>)&WriteBytes, MethodFlags, "_write_bytes(data) -> int: UTF-8 bytes (any bytes-like object); a character split across calls is joined");
        var slots = NativeMemoryBlock.Array<PyTypeSlot>(4);
        slots[0] = new PyTypeSlot { Slot = Interop.Py_tp_dealloc, Function = (nint)(delegate* unmanaged<nint, void>)&Dealloc };
        slots[1] = new PyTypeSlot { Slot = Interop.Py_tp_traverse, Function = (nint)(delegate* unmanaged<nint, nint, nint, int>)&Traverse };
        slots[2] = new PyTypeSlot { Slot = Interop.Py_tp_methods, Function = (nint)methods };
        return HeapTypes.Spec("pluginhost.Stream", sizeof(StreamObject), slots);
    }

    internal static NewRef Create(nint type, bool error)
    {
        var self = Interop.GenericAlloc(type);
        ((StreamObject*)self.Pointer)->IsError = error ? 1 : 0;
        return self;
    }

    [UnmanagedCallersOnly]
    private static nint Write(nint self, nint definingClass, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            if (nargs != 1 || kwnames != 0)
                throw PythonError.Type("write() takes exactly one argument");
            var text = new BorrowedRef(args[0]);
            if (!Interop.HasTypeFlag(text.Pointer, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
                throw PythonError.Type($"write() argument must be str, not {Interop.TypeName(Interop.TypeOf(text.Pointer))}");
            var state = (ModuleState*)Interop.TypeModuleState(definingClass);
            if (state == null)
                throw PythonException.FetchCurrent();
            WriteText(state->RequireBinding(), ((StreamObject*)self)->IsError != 0, text);
            return Interop.NewLong(Interop.StringLength(text)).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Flush(nint self, nint unused) => Interop.NewNone().Steal();

    [UnmanagedCallersOnly]
    private static nint False(nint self, nint unused) => Interop.NewBool(false).Steal();

    [UnmanagedCallersOnly]
    private static nint True(nint self, nint unused) => Interop.NewBool(true).Steal();

    [UnmanagedCallersOnly]
    private static int Traverse(nint self, nint visit, nint arg) =>
        ((delegate* unmanaged<nint, nint, int>)visit)(((StreamObject*)self)->Type, arg);

    [UnmanagedCallersOnly]
    private static void Dealloc(nint self)
    {
        var type = ((StreamObject*)self)->Type;
        Interop.GcUntrack(self);
        HeapTypes.Free(self, type);
    }
}
