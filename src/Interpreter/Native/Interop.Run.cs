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

    /// <summary>
    /// New reference to a code object, NULL on error (SyntaxError, ValueError, ...), what <c>compile()</c> returns for the
    /// same bytes — without the builtin's <c>PyAST_Check</c>, whose first call in an interpreter builds the ast module's
    /// node types. <paramref name="source"/> NUL-terminated (decoded by its PEP 263 cookie, UTF-8 by default),
    /// <paramref name="filename"/> borrowed (a str), <paramref name="flags"/> read only.
    /// </summary>
    [LibraryImport(Library)]
    private static partial nint Py_CompileStringObject(byte* source, nint filename, int start, PyCompilerFlags* flags, int optimize);

    /// <summary>PyCompilerFlags (compile.h): <c>compile()</c>'s flags and, with PyCF_ONLY_AST, the feature version.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PyCompilerFlags
    {
        public int Flags;
        public int FeatureVersion;
    }

    /// <summary>PyCF_SOURCE_IS_UTF8 (compile.h): what <c>compile()</c> always sets.</summary>
    private const int PyCF_SOURCE_IS_UTF8 = 0x0100;

    /// <summary>New reference to the result, NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyEval_EvalCode(nint code, nint globals, nint locals);

    /// <summary>New reference to a bytes object, marshal.dumps(value, version); NULL on error (an unmarshallable object).</summary>
    [LibraryImport(Library)]
    private static partial nint PyMarshal_WriteObjectToString(nint value, int version);

    /// <summary>New reference to the object marshal.loads reads from the bytes; NULL on error (EOFError, ValueError).</summary>
    [LibraryImport(Library)]
    private static partial nint PyMarshal_ReadObjectFromString(byte* data, nint length);

    /// <summary>Py_MARSHAL_VERSION (marshal.h), 4 since CPython 3.4.</summary>
    private const int MarshalVersion = 4;

    internal static NewRef Import(string module) => CheckNew(PyImport_ImportModule(module));

    /// <summary>
    /// <c>compile(source, filename, "exec", dont_inherit=True, optimize=optimize)</c> of a bytes object (as an import
    /// compiles a source file): new reference, or NULL with the exception set, passed on as the builtin would raise it.
    /// The caller checked the bytes hold no NUL (which the builtin refuses and this would read as the end).
    /// </summary>
    internal static nint CompileBytes(nint source, nint filename, int optimize)
    {
        if (PyBytes_AsStringAndSize(source, out var data, out _) != 0)
            return 0;
        var flags = new PyCompilerFlags { Flags = PyCF_SOURCE_IS_UTF8, FeatureVersion = MinorVersion };
        return Py_CompileStringObject(data, filename, Py_file_input, &flags, optimize);
    }

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

    /// <summary>
    /// Compiles <paramref name="source"/> and returns its code object marshalled: a code object belongs to one
    /// interpreter, its marshalled bytes to none, and loading them is some fifty times faster than compiling again.
    /// Valid for the CPython that made them only (one per process).
    /// </summary>
    internal static byte[] CompileMarshalled(string source, string filename, int start)
    {
        using var code = CheckNew(Py_CompileString(source, filename, start));
        using var bytes = CheckNew(PyMarshal_WriteObjectToString(code.Pointer, MarshalVersion));
        return BytesSpan(bytes.Borrow()).ToArray();
    }

    /// <summary>Evaluates code from <see cref="CompileMarshalled"/> in <paramref name="globals"/>; the result is a new reference.</summary>
    internal static NewRef EvaluateMarshalled(ReadOnlySpan<byte> marshalled, BorrowedRef globals)
    {
        fixed (byte* data = marshalled)
        {
            using var code = CheckNew(PyMarshal_ReadObjectFromString(data, marshalled.Length));
            return CheckNew(PyEval_EvalCode(code.Pointer, globals.Pointer, globals.Pointer));
        }
    }
}
