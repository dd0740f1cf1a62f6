using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// pluginhost._compile_source: what the bootstrap makes importlib compile a plugin's source files with (bootstrap.py,
// source_to_code). The builtin compile() calls PyAST_Check first, and its first call in an interpreter builds the ast
// module's ~120 node types: 1.3 ms of every plugin instance's start, for an import that never needs them.
internal static unsafe partial class SdkModule
{
    private const int CompileMethodCount = 1;

    private static void AddCompileMethods(PyMethodDef* methods)
    {
        methods[0] = Method("_compile_source", (delegate* unmanaged<nint, nint*, nint, nint>)&CompileSource, Interop.METH_FASTCALL,
            "_compile_source(data, path, optimize) -> code\n\ncompile(data, path, 'exec', dont_inherit=True, optimize=optimize) for bytes without NUL and a str path.");
    }

    // Arguments are borrowed; the result is a new reference to the code object, or NULL with what compile() raised.
    [UnmanagedCallersOnly]
    private static nint CompileSource(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 3)
                throw PythonError.Type($"_compile_source() takes 3 arguments (data, path, optimize), {nargs} given");
            if (!Interop.HasTypeFlag(args[0], Interop.Py_TPFLAGS_BYTES_SUBCLASS) || !Interop.HasTypeFlag(args[1], Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
                throw PythonError.Type("_compile_source() takes bytes and a str path");
            var optimize = Interop.HasTypeFlag(args[2], Interop.Py_TPFLAGS_LONG_SUBCLASS) ? Interop.AsLong(new BorrowedRef(args[2])) : null;
            if (optimize is not (>= -1 and <= 2))
                throw PythonError.Value("_compile_source(): invalid optimize value");
            if (Interop.BytesSpan(new BorrowedRef(args[0])).Contains((byte)0))
                throw PythonError.Value("_compile_source() takes source without NUL bytes");
            return Interop.CompileBytes(args[0], args[1], (int)optimize.Value);
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }
}
