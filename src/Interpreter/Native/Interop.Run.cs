using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Importing, compiling and evaluating (import.h, pythonrun.h, ceval.h).
internal static unsafe partial class Interop
{
    /// <summary>New reference to the module, NULL on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint PyImport_ImportModule(string name);

    /// <summary>Borrowed reference to the interpreter's module object (created if missing), NULL on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint PyImport_AddModule(string name);

    /// <summary>Borrowed reference to the module's __dict__. Cannot fail on a module.</summary>
    [LibraryImport(Library)]
    private static partial nint PyModule_GetDict(nint module);

    /// <summary>New reference to a code object, NULL on error (SyntaxError).</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Py_CompileString(string source, string filename, int start);

    /// <summary>New reference to the result, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyEval_EvalCode(nint code, nint globals, nint locals);

    internal static NewRef Import(string module) => CheckNew(PyImport_ImportModule(module));

    internal static BorrowedRef MainModuleDict()
    {
        var main = PyImport_AddModule("__main__");
        if (main == 0)
            throw PythonException.FetchCurrent();
        return new BorrowedRef(PyModule_GetDict(main));
    }

    internal static BorrowedRef ModuleDict(BorrowedRef module) => new(PyModule_GetDict(module.Pointer));

    /// <summary>Compiles and evaluates <paramref name="source"/> in <paramref name="globals"/>; the result is a new reference.</summary>
    internal static NewRef Evaluate(string source, string filename, int start, BorrowedRef globals)
    {
        using var code = CheckNew(Py_CompileString(source, filename, start));
        return CheckNew(PyEval_EvalCode(code.Pointer, globals.Pointer, globals.Pointer));
    }
}
