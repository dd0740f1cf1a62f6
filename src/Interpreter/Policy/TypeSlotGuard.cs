using System.Diagnostics;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The guard on <c>_socket.socket.__init__</c>, which is a type slot, not a method: a multi-phase module creates
/// its types in every interpreter from one static <c>PyType_Slot</c> array, so replacing the <c>Py_tp_init</c> entry
/// there (found in the module's writable data by the function it points at) gives every interpreter that imports
/// <c>_socket</c> afterwards a guarded type. The guard records the descriptor a new socket made as the interpreter's
/// own, and lets <c>socket(fileno=fd)</c> adopt only a descriptor that already is.
/// </summary>
internal sealed unsafe class TypeSlotGuard
{
    private const int Py_tp_init = 60;

    private readonly PolicyRegistry _registry;
    private readonly nint _original;
    private readonly InitEntry _entry;   // rooted here: CPython holds only the function pointer
    private readonly byte* _event = NativeGuards.PermanentUtf8("socket.socket");

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitEntry(nint self, nint args, nint kwargs);

    private TypeSlotGuard(PolicyRegistry registry, nint original)
    {
        _registry = registry;
        _original = original;
        _entry = Init;
    }

    /// <summary>Installs the socket guard; null (nothing changed) when the slot cannot be found exactly once.</summary>
    internal static TypeSlotGuard? InstallForSockets(PolicyRegistry registry)
    {
        NewRef module;
        try
        {
            module = Interop.Import("_socket");
        }
        catch (PythonException)
        {
            return null;
        }
        using (module)
        {
            using var type = Interop.GetAttr(module.Borrow(), "socket");
            using var file = Interop.GetAttr(module.Borrow(), "__file__");
            var original = Interop.TypeSlot(type.Pointer, Py_tp_init);
            var slot = FindSlot(Interop.Str(file.Borrow()), original);
            if (slot == 0)
                return null;
            var guard = new TypeSlotGuard(registry, original);
            NativeGuards.Patch((nint*)(slot + 8), Marshal.GetFunctionPointerForDelegate(guard._entry));
            return guard;
        }
    }

    // {int slot; (padding); void *pfunc;} with slot Py_tp_init and pfunc the type's init, in the module's writable data.
    private static nint FindSlot(string path, nint function)
    {
        var found = new List<nint>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[5].Trim() != path || fields[1][1] != 'w')
                continue;
            var range = fields[0].Split('-');
            var start = nint.Parse(range[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            var end = nint.Parse(range[1], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            for (var p = start; p + 16 <= end; p += 8)
            {
                if (*(int*)p == Py_tp_init && *(int*)(p + 4) == 0 && *(nint*)(p + 8) == function)
                    found.Add(p);
            }
        }
        return found.Count == 1 ? found[0] : 0;
    }

    private int Init(nint self, nint args, nint kwargs)
    {
        CompiledPolicy? policy = null;
        try
        {
            if (!_registry.IsEmpty && _registry.Find(Interop.CurrentInterpreterId()) is { } governing)
            {
                policy = governing;
                var fileno = Fileno(args, kwargs);
                if (fileno != 0 && fileno != LibPython.NoneObject && Judge(policy, fileno) != 0)
                    return -1;
                if (fileno != 0 && fileno != LibPython.NoneObject)
                    policy = null;   // adopting a descriptor it owns: nothing new to record
            }
        }
        catch (Exception e)
        {
            return AuditHook.FailClosed(e);
        }
        var result = ((delegate* unmanaged<nint, nint, nint, int>)_original)(self, args, kwargs);
        if (result == 0 && policy is not null)
            Record(policy, self);
        return result;
    }

    // socket(family=-1, type=-1, proto=-1, fileno=None): the fourth argument or the keyword.
    private static nint Fileno(nint args, nint kwargs)
    {
        if (args != 0 && Interop.NoThrow.PyTuple_Size(args) > 3)
            return Interop.NoThrow.PyTuple_GetItem(args, 3);
        return kwargs != 0 ? Interop.NoThrow.PyDict_GetItemString(kwargs, "fileno") : 0;
    }

    private int Judge(CompiledPolicy policy, nint fileno)
    {
        var arguments = Interop.NoThrow.PyTuple_New(1);
        if (arguments == 0)
            return -1;
        Interop.IncRef(fileno);
        Interop.NoThrow.PyTuple_SetItem(arguments, 0, StolenRef.Take(fileno));
        try
        {
            return AuditHook.Judge(policy, AuditEvent.Descriptors, _event, arguments);
        }
        finally
        {
            Interop.DecRef(arguments);
        }
    }

    private static void Record(CompiledPolicy policy, nint socket)
    {
        try
        {
            var fileno = Interop.NoThrow.PyObject_CallMethodNoArgs(socket, "fileno");
            if (fileno != 0 && Interop.HasTypeFlag(fileno, Interop.Py_TPFLAGS_LONG_SUBCLASS))
                policy.RecordDescriptor(Interop.NoThrow.PyLong_AsLongLong(fileno));
            Interop.DecRef(fileno);
        }
        catch (Exception e)
        {
            Debug.Fail(e.Message);   // bookkeeping only: an unrecorded socket is refused later (stricter)
        }
        Interop.NoThrow.PyErr_Clear();
    }
}
