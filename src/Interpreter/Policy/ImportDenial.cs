using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// How a denied import is raised: as <c>pluginhost.ImportDenied</c>, an <c>ImportError</c> (so the everyday
/// <c>try: import x / except ImportError:</c> falls back, as CPython's own test.support does) that is also a
/// <c>pluginhost.CapabilityDenied</c> naming the capability. A PermissionError cannot be both: its instance layout and
/// ImportError's conflict. The class is the pluginhost module's, found in the interpreter's own dict (which Python code
/// cannot reach), so a plugin cannot swap it; an interpreter without the module gets a plain ImportError.
/// </summary>
internal static class ImportDenial
{
    /// <summary>Key of the interpreter dict entry the pluginhost module's exec sets.</summary>
    internal const string ClassKey = "pluginhost.ImportDenied";

    /// <summary>Sets the error indicator (never throws: called from the audit hook) with the module's name and the capability.</summary>
    internal static void Raise(string message, string module, string capability)
    {
        var type = ClassOfInterpreter();
        Interop.Raise(type, message);
        if (type == LibPython.ImportErrorType)
            return;
        var raised = Interop.FetchRaised();
        try
        {
            using (var name = Interop.NewString(module))
                Interop.SetAttr(raised.Borrow(), "name", name.Borrow());
            using var granting = capability.Length == 0 ? Interop.NewNone() : Interop.NewString(capability);
            Interop.SetAttr(raised.Borrow(), "capability", granting.Borrow());
        }
        catch (PythonException)
        {
            // The message says it all; the attributes are a convenience.
        }
        Interop.Raise(raised.Steal());
    }

    /// <summary>Borrowed: the attached interpreter's ImportDenied class, else ImportError.</summary>
    private static nint ClassOfInterpreter()
    {
        var dict = Interop.InterpreterDict().Pointer;
        if (dict == 0)
            return LibPython.ImportErrorType;
        try
        {
            var type = Interop.DictGet(new BorrowedRef(dict), ClassKey).Pointer;
            return type != 0 && Interop.HasTypeFlag(type, Interop.Py_TPFLAGS_TYPE_SUBCLASS)
                && Interop.IsSubtype(type, LibPython.ImportErrorType) ? type : LibPython.ImportErrorType;
        }
        catch (PythonException)
        {
            return LibPython.ImportErrorType;
        }
    }
}
