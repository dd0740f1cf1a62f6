using System.Reflection;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Loads libpython once per process with global symbol visibility and maps <see cref="Interop.Library"/> to it.
/// libpython is process-wide by nature, so this is the one place with process-wide state: the library handle and
/// the addresses of CPython's immortal static objects (None, True, False, builtin types, exception types).
/// Nothing here is per-interpreter.
/// </summary>
internal static unsafe class LibPython
{
    private const int RTLD_NOW = 0x2;
    private const int RTLD_GLOBAL = 0x100;

    private static readonly Lock Gate = new();
    private static nint s_handle;
    private static string? s_path;

    internal static nint NoneObject { get; private set; }
    internal static nint TrueObject { get; private set; }
    internal static nint FalseObject { get; private set; }
    internal static nint BoolType { get; private set; }
    internal static nint FloatType { get; private set; }
    internal static nint RuntimeErrorType { get; private set; }
    internal static nint SystemErrorType { get; private set; }
    internal static nint TypeErrorType { get; private set; }
    internal static nint ValueErrorType { get; private set; }
    internal static nint PermissionErrorType { get; private set; }
    internal static nint ImportErrorType { get; private set; }
    internal static nint TimeoutErrorType { get; private set; }
    internal static nint KeyErrorType { get; private set; }

    /// <summary>
    /// dlopen with RTLD_GLOBAL: stdlib extension modules (math, _json, ...) resolve PyFloat_Type etc. against the
    /// global namespace; a private (RTLD_LOCAL) load makes them fail with "undefined symbol".
    /// </summary>
    internal static void Load(string path)
    {
        lock (Gate)
        {
            if (s_handle != 0)
            {
                if (s_path != path)
                    throw new InvalidOperationException($"libpython is already loaded from {s_path}; one process can host one CPython ({path} was asked for).");
                return;
            }

            var handle = LibC.Open(path, RTLD_NOW | RTLD_GLOBAL);
            if (handle == 0)
                throw new DllNotFoundException($"Could not load {path}: {LibC.LastLoadError()}");

            NativeLibrary.SetDllImportResolver(Assembly.GetExecutingAssembly(), (name, _, _) => name == Interop.Library ? handle : 0);
            s_handle = handle;
            s_path = path;

            // _Py_NoneStruct etc. are the objects themselves; PyExc_* exports are PyObject* variables.
            NoneObject = Export("_Py_NoneStruct");
            TrueObject = Export("_Py_TrueStruct");
            FalseObject = Export("_Py_FalseStruct");
            BoolType = Export("PyBool_Type");
            FloatType = Export("PyFloat_Type");
            RuntimeErrorType = ExceptionType("PyExc_RuntimeError");
            SystemErrorType = ExceptionType("PyExc_SystemError");
            TypeErrorType = ExceptionType("PyExc_TypeError");
            ValueErrorType = ExceptionType("PyExc_ValueError");
            PermissionErrorType = ExceptionType("PyExc_PermissionError");
            ImportErrorType = ExceptionType("PyExc_ImportError");
            TimeoutErrorType = ExceptionType("PyExc_TimeoutError");
            KeyErrorType = ExceptionType("PyExc_KeyError");
        }
    }

    internal static bool IsLoaded => s_handle != 0;

    /// <summary>
    /// Whether CPython's raw allocator is wrapped by .NET code (Memory/LargeAllocations): process-wide, as the allocator
    /// is, and set once before initialisation. Then no call into CPython that may allocate or free can skip the GC
    /// transition ([SuppressGCTransition]): the allocator's callback would enter .NET on a thread already in it.
    /// </summary>
    internal static bool AllocatorCallsDotNet { get; set; }

    internal static nint Export(string name) => NativeLibrary.GetExport(s_handle, name);

    /// <summary>The symbol's address, or false when this version does not export it.</summary>
    internal static bool TryExport(string name, out nint address) => NativeLibrary.TryGetExport(s_handle, name, out address);

    /// <summary>Borrowed, immortal: <c>builtin_function_or_method</c>, its METH_METHOD subtype, and <c>method_descriptor</c>.</summary>
    internal static nint CFunctionType => Export("PyCFunction_Type");

    internal static nint CMethodType => Export("PyCMethod_Type");

    internal static nint MethodDescriptorType => Export("PyMethodDescr_Type");

    private static nint ExceptionType(string name) => *(nint*)Export(name);
}
